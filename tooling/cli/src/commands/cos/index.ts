import { createReadStream, createWriteStream } from "node:fs";
import { rename, stat, unlink } from "node:fs/promises";
import { basename } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { type CosClient, createCosClient } from "@cosfn/cos";
import { splitBucket } from "@cosfn/events";
import { LOCAL_CREDENTIALS } from "@cosfn/local-cloud";
import { lookup } from "mime-types";
import { CommandError, type Io, UsageError } from "../../io.ts";

export const help = `Usage: cosfn cos <ls|cp|rm|cat> ... [--region R]

  cosfn cos ls cos://<bucket>[/<prefix>]   list objects: key, size, ETag, last-modified (tab-separated)
  cosfn cos cp <SRC> <DST>                 copy between local files, - (stdin/stdout) and cos:// URLs
  cosfn cos rm cos://<bucket>/<key>        delete an object
  cosfn cos cat cos://<bucket>/<key>       write an object to standard output

<bucket> is the full bucket name, name-appid. A DST ending in "/" gets the source's file name.
Uploads stream (multipart above 8 MiB); the Content-Type comes from the file name.

Talks to COSFN_COS_ENDPOINT when it is set (e.g. the local cloud of "cosfn dev"), else to Tencent Cloud,
with the credentials in TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN).
Against COSFN_COS_ENDPOINT with no credentials set, it uses the local cloud's defaults.
Failures exit 1 with COS's error code and message.

Options:
  --region <R>   the buckets' region (default: COSFN_REGION, else ap-guangzhou)
  -h, --help     show this help
`;

interface CosUrl {
  bucket: string;
  key: string;
}

export function parseCosUrl(text: string): CosUrl | undefined {
  if (!text.startsWith("cos://")) return undefined;
  const rest = text.slice("cos://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  try {
    splitBucket(bucket);
  } catch (error) {
    throw new UsageError(`${text}: ${(error as Error).message}`);
  }
  return { bucket, key: slash < 0 ? "" : rest.slice(slash + 1) };
}

function client(region: string, env: NodeJS.ProcessEnv): CosClient {
  const hasId = Boolean(env.TENCENTCLOUD_SECRETID);
  const hasKey = Boolean(env.TENCENTCLOUD_SECRETKEY);
  if (hasId !== hasKey) {
    throw new CommandError(
      `set both TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (${hasId ? "the key" : "the id"} is missing)`,
    );
  }
  if (!hasId && !env.COSFN_COS_ENDPOINT) {
    throw new CommandError(
      "no COS endpoint and no credentials: for the local cloud, start cosfn dev and set COSFN_COS_ENDPOINT to the endpoint it prints; for Tencent Cloud, set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for temporary keys)",
    );
  }
  const local = !hasId && env.COSFN_COS_ENDPOINT ? { credentials: LOCAL_CREDENTIALS } : {};
  try {
    return createCosClient({ region, ...local }, env);
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
}

function needKey(url: CosUrl, text: string): void {
  if (url.key === "") throw new UsageError(`${text}: expected cos://<bucket>/<key>`);
}

export async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { region: { type: "string" } },
  });
  const [verb, ...args] = positionals;
  const region = values.region ?? env.COSFN_REGION ?? "ap-guangzhou";
  const expect = (count: number, usage: string) => {
    if (args.length !== count) throw new UsageError(`usage: cosfn cos ${usage}`);
  };
  try {
    switch (verb) {
      case "ls": {
        expect(1, "ls cos://<bucket>[/<prefix>]");
        const url = parseCosUrl(args[0] as string);
        if (!url) throw new UsageError(`${args[0]}: expected cos://<bucket>[/<prefix>]`);
        for await (const object of client(region, env).list(url.bucket, { prefix: url.key })) {
          io.stdout.write(`${object.key}\t${object.size}\t${object.etag}\t${object.lastModified.toISOString()}\n`);
        }
        return 0;
      }
      case "cat": {
        expect(1, "cat cos://<bucket>/<key>");
        const url = parseCosUrl(args[0] as string);
        if (!url) throw new UsageError(`${args[0]}: expected cos://<bucket>/<key>`);
        needKey(url, args[0] as string);
        await pipeline(client(region, env).readStream(url.bucket, url.key), io.stdout as Writable, { end: false });
        return 0;
      }
      case "rm": {
        expect(1, "rm cos://<bucket>/<key>");
        const url = parseCosUrl(args[0] as string);
        if (!url) throw new UsageError(`${args[0]}: expected cos://<bucket>/<key>`);
        needKey(url, args[0] as string);
        await client(region, env).deleteObject(url.bucket, url.key);
        io.stderr.write(`deleted cos://${url.bucket}/${url.key}\n`);
        return 0;
      }
      case "cp":
        expect(2, "cp <SRC> <DST>");
        return await copy(args[0] as string, args[1] as string, region, io, env);
      default:
        throw new UsageError(
          verb === undefined ? "expected ls, cp, rm or cat" : `unknown subcommand ${JSON.stringify(verb)}`,
        );
    }
  } catch (error) {
    throw error;
  }
}

async function copy(source: string, target: string, region: string, io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const from = parseCosUrl(source);
  const to = parseCosUrl(target);
  if (from) needKey(from, source);
  if (to?.key.endsWith("/") || to?.key === "") {
    const name = basename(from ? from.key : source);
    if (source === "-" || name === "")
      throw new UsageError(`${target}: name the object, e.g. ${target.replace(/\/?$/, "/")}<key>`);
    to.key += name;
  }
  if (!from && !to) throw new UsageError("one of SRC and DST must be a cos:// URL");

  if (from && to) {
    await client(region, env).copyObject(from, to);
  } else if (to) {
    let body: Readable;
    if (source === "-") body = io.stdin as Readable;
    else {
      const info = await stat(source).catch((cause) => {
        throw new CommandError(`${source}: cannot read (${(cause as NodeJS.ErrnoException).code})`);
      });
      if (!info.isFile()) throw new CommandError(`${source}: not a file`);
      body = createReadStream(source);
    }
    const type = source === "-" ? false : lookup(source);
    const result = await client(region, env).writeObject({
      bucket: to.bucket,
      key: to.key,
      body,
      ...(type && { contentType: type }),
    });
    io.stderr.write(
      `uploaded ${result.size} bytes to cos://${to.bucket}/${to.key}${result.parts ? ` in ${result.parts} parts` : ""}\n`,
    );
  } else if (from) {
    const stream = client(region, env).readStream(from.bucket, from.key);
    if (target === "-") await pipeline(stream, io.stdout as Writable, { end: false });
    else {
      // Written beside the target and renamed at the end: a failed download leaves no partial file.
      const partial = `${target}.cosfn-partial-${process.pid}`;
      try {
        await pipeline(stream, createWriteStream(partial));
        await rename(partial, target);
      } catch (error) {
        await unlink(partial).catch(() => {});
        throw error;
      }
    }
  }
  return 0;
}
