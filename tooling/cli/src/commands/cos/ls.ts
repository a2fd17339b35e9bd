import { type Io, UsageError } from "../../io.ts";
import type { Cos } from "./connect.ts";
import { humanSize } from "./format.ts";
import { requireCosUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

interface Listed {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  storageClass: string;
}

/** Writes one line: tab-separated text, or a JSON object (one a line) with --json. */
function printer(io: Io, json: boolean, human: boolean) {
  const size = (bytes: number) => (human ? humanSize(bytes) : String(bytes));
  return {
    bucket(name: string, region: string, created: string) {
      io.stdout.write(
        json ? `${JSON.stringify({ type: "bucket", name, region, created })}\n` : `${name}\t${region}\t${created}\n`,
      );
    },
    folder(prefix: string) {
      io.stdout.write(json ? `${JSON.stringify({ type: "folder", prefix })}\n` : `${prefix}\tDIR\n`);
    },
    object(o: Listed) {
      io.stdout.write(
        json
          ? `${JSON.stringify({ type: "object", ...o })}\n`
          : `${o.key}\t${size(o.size)}\t${o.etag}\t${o.lastModified}\t${o.storageClass}\n`,
      );
    },
  };
}

/** Every bucket of the account (GET Service), in every region. */
async function listBuckets(cos: Cos, out: ReturnType<typeof printer>): Promise<void> {
  const result = await cos.call("list buckets", "*", undefined, (sdk) => sdk.getService({}));
  for (const bucket of result.Buckets ?? []) out.bucket(bucket.Name, bucket.Location, bucket.CreationDate);
}

/** One level under a prefix (CommonPrefixes as folders) or, recursive, every object; page by page. */
async function listObjects(
  cos: Cos,
  bucket: string,
  prefix: string,
  recursive: boolean,
  out: ReturnType<typeof printer>,
): Promise<void> {
  let marker = "";
  for (;;) {
    const page = await cos.call("list", bucket, prefix, (sdk) =>
      sdk.getBucket({
        Bucket: bucket,
        Region: cos.region,
        Prefix: prefix,
        Marker: marker,
        MaxKeys: 1000,
        ...(!recursive && { Delimiter: "/" }),
      }),
    );
    const entries: ({ folder: string } | { object: Listed })[] = [
      ...(page.CommonPrefixes ?? []).map((p) => ({ folder: p.Prefix })),
      ...(page.Contents ?? []).map((item) => ({
        object: {
          key: item.Key,
          size: Number(item.Size),
          etag: item.ETag.replace(/"/g, ""),
          lastModified: new Date(item.LastModified).toISOString(),
          storageClass: item.StorageClass,
        },
      })),
    ];
    const name = (entry: (typeof entries)[number]) => ("folder" in entry ? entry.folder : entry.object.key);
    entries.sort((a, b) => Buffer.compare(Buffer.from(name(a)), Buffer.from(name(b))));
    for (const entry of entries) {
      if ("folder" in entry) out.folder(entry.folder);
      else out.object(entry.object);
    }
    if (String(page.IsTruncated) !== "true") return;
    const next = page.NextMarker || entries.at(-1);
    if (!next) return;
    marker = typeof next === "string" ? next : name(next);
  }
}

export const ls: Verb = {
  usage: "ls [cos://<bucket>[/<prefix>]] [-r] [-h] [--json]",
  summary:
    "no URL: the buckets (name, region, created); else one level under the prefix, folders (CommonPrefixes) as <prefix>/ DIR and objects as key, size, ETag, last-modified, storage class (tab-separated); -r every object below; -h sizes as KiB, MiB...; --json one JSON object a line",
  options: {
    recursive: { type: "boolean", short: "r" },
    human: { type: "boolean", short: "h" },
    json: { type: "boolean" },
  },
  async run(args, values, { io, cos }) {
    if (args.length > 1) throw new UsageError("usage: cosfn cos ls [cos://<bucket>[/<prefix>]]");
    const out = printer(io, values.json === true, values.human === true);
    if (args.length === 0) {
      await listBuckets(cos(), out);
      return 0;
    }
    const url = requireCosUrl(args[0], "cos://<bucket>[/<prefix>]");
    await listObjects(cos(), url.bucket, url.key, values.recursive === true, out);
    return 0;
  },
};
