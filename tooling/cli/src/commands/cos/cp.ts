import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CosRequestError } from "@cosfn/cos";
import { CommandError, type Io, UsageError } from "../../io.ts";
import type { Cos } from "./connect.ts";
import { positiveInteger } from "./format.ts";
import { localPath, walkFiles } from "./local-files.ts";
import { DEFAULT_UPLOAD, downloadFile, type UploadSettings, uploadFile } from "./transfer.ts";
import { asFolder, type CosUrl, cosUrl, parseCosUrl } from "./url.ts";
import type { OptionValues, Verb } from "./verb.ts";

/** The settings of large uploads from --part-size and --thread-num. */
export function uploadSettings(values: OptionValues): UploadSettings {
  return {
    partSizeMiB: positiveInteger(values["part-size"] as string | undefined, DEFAULT_UPLOAD.partSizeMiB, "part-size"),
    threads: positiveInteger(values["thread-num"] as string | undefined, DEFAULT_UPLOAD.threads, "thread-num"),
  };
}

export const uploadOptions = {
  "part-size": { type: "string" },
  "thread-num": { type: "string" },
} as const;

async function localInfo(path: string) {
  return stat(path).catch((cause) => {
    throw new CommandError(`${path}: cannot read (${(cause as NodeJS.ErrnoException).code})`);
  });
}

/** A server-side copy; COS's NoSuchKey names the target, so the message names the source that is missing. */
async function copyObject(cos: Cos, from: CosUrl, to: CosUrl): Promise<void> {
  try {
    await cos.client.copyObject(from, to);
  } catch (error) {
    if (
      error instanceof CosRequestError &&
      error.code === "NoSuchKey" &&
      !(await cos.client.head(from.bucket, from.key))
    ) {
      throw new CommandError(
        `copy ${cosUrl(from.bucket, from.key)} to ${cosUrl(to.bucket, to.key)}: the source ${cosUrl(from.bucket, from.key)} does not exist (NoSuchKey)`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function copyOne(source: string, target: string, values: OptionValues, io: Io, cos: () => Cos): Promise<void> {
  const from = parseCosUrl(source);
  const to = parseCosUrl(target);
  if (!from && !to) throw new UsageError("one of SRC and DST must be a cos:// URL");
  if (from && (from.key === "" || from.key.endsWith("/")))
    throw new UsageError(`${source}: expected cos://<bucket>/<key> (cp -r copies a prefix)`);
  if (to && (to.key === "" || to.key.endsWith("/"))) {
    const name = basename(from ? from.key : source);
    if (source === "-" || name === "")
      throw new UsageError(`${target}: name the object, e.g. ${target.replace(/\/?$/, "/")}<key>`);
    to.key += name;
  }
  if (from && to) {
    await copyObject(cos(), from, to);
    io.stderr.write(`copied ${cosUrl(from.bucket, from.key)} to ${cosUrl(to.bucket, to.key)}\n`);
  } else if (to) {
    if (source === "-") {
      const result = await cos().client.writeObject({ bucket: to.bucket, key: to.key, body: io.stdin as Readable });
      io.stderr.write(`uploaded ${result.size} bytes to ${cosUrl(to.bucket, to.key)}\n`);
      return;
    }
    const info = await localInfo(source);
    if (!info.isFile()) throw new CommandError(`${source}: not a file (cp -r copies a folder)`);
    const result = await uploadFile(cos(), io, { path: source, size: info.size }, to, uploadSettings(values));
    io.stderr.write(
      `uploaded ${result.size} bytes to ${cosUrl(to.bucket, to.key)}${result.parts ? ` in ${result.parts} parts` : ""}\n`,
    );
  } else if (from) {
    if (target === "-") {
      await pipeline(cos().client.readStream(from.bucket, from.key), io.stdout as Writable, { end: false });
      return;
    }
    const existing = await stat(target).catch(() => undefined);
    const file = existing?.isDirectory() ? join(target, basename(from.key)) : target;
    await downloadFile(cos(), io, from, file);
    io.stderr.write(`downloaded ${cosUrl(from.bucket, from.key)} to ${file}\n`);
  }
}

async function copyTree(source: string, target: string, values: OptionValues, io: Io, cos: () => Cos): Promise<void> {
  const from = parseCosUrl(source);
  const to = parseCosUrl(target);
  if (source === "-" || target === "-") throw new UsageError("cp -r copies folders and prefixes, not standard input");
  if (!from && !to) throw new UsageError("one of SRC and DST must be a cos:// URL");
  let count = 0;
  let bytes = 0;
  if (!from && to) {
    const info = await localInfo(source);
    if (!info.isDirectory()) throw new CommandError(`${source}: not a folder (cp without -r copies a file)`);
    const prefix = asFolder(to.key);
    const settings = uploadSettings(values);
    for await (const file of walkFiles(source)) {
      await uploadFile(cos(), io, file, { bucket: to.bucket, key: prefix + file.relative }, settings);
      io.stderr.write(`uploaded ${file.path} to ${cosUrl(to.bucket, prefix + file.relative)}\n`);
      count++;
      bytes += file.size;
    }
    io.stderr.write(`uploaded ${count} files, ${bytes} bytes, to ${cosUrl(to.bucket, prefix)}\n`);
    return;
  }
  const source_ = from as CosUrl;
  const prefix = source_.key === "" ? "" : asFolder(source_.key);
  const connection = cos();
  for await (const object of connection.client.list(source_.bucket, { prefix })) {
    if (object.key.endsWith("/")) continue; // a folder marker: nothing to copy
    if (to) {
      const key = asFolder(to.key) + object.key.slice(prefix.length);
      await copyObject(connection, { bucket: source_.bucket, key: object.key }, { bucket: to.bucket, key });
      io.stderr.write(`copied ${cosUrl(source_.bucket, object.key)} to ${cosUrl(to.bucket, key)}\n`);
    } else {
      const file = localPath(target, object.key, prefix);
      await downloadFile(connection, io, { bucket: source_.bucket, key: object.key, size: object.size }, file);
      io.stderr.write(`downloaded ${cosUrl(source_.bucket, object.key)} to ${file}\n`);
    }
    count++;
    bytes += object.size;
  }
  if (count === 0) throw new CommandError(`cp -r ${cosUrl(source_.bucket, prefix)}: no object has this prefix`);
  io.stderr.write(
    `${to ? "copied" : "downloaded"} ${count} objects, ${bytes} bytes, to ${to ? cosUrl(to.bucket, asFolder(to.key)) : target}\n`,
  );
}

export const cp: Verb = {
  usage: "cp <SRC> <DST> [-r] [--part-size MiB] [--thread-num N]",
  summary:
    'copy between local files, - (standard input/output) and cos:// URLs; a DST ending in "/" (or a local folder) gets the source\'s name; -r copies a folder to a prefix, a prefix to a folder, or a prefix to a prefix. Files above --part-size (default 8 MiB) go up in parts, --thread-num (default 4) at once; the Content-Type comes from the file name',
  options: { recursive: { type: "boolean", short: "r" }, ...uploadOptions },
  async run(args, values, { io, cos }) {
    if (args.length !== 2) throw new UsageError("usage: cosfn cos cp [-r] <SRC> <DST>");
    const [source, target] = args as [string, string];
    if (values.recursive) await copyTree(source, target, values, io, cos);
    else await copyOne(source, target, values, io, cos);
    return 0;
  },
};
