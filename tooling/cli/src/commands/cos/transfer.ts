import { createReadStream, createWriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import { lookup } from "mime-types";
import { makeDirectory } from "../../directories.ts";
import type { Io } from "../../io.ts";
import type { Cos } from "./connect.ts";
import { progress } from "./progress.ts";
import { cosUrl } from "./url.ts";

/** How large files are sent: parts of `partSizeMiB`, `threads` of them at once (a multipart upload above one part). */
export interface UploadSettings {
  partSizeMiB: number;
  threads: number;
}

export const DEFAULT_UPLOAD: UploadSettings = { partSizeMiB: 8, threads: 4 };

/** Uploads a local file to an object, with its Content-Type from its name and a progress bar on a terminal. */
export async function uploadFile(
  cos: Cos,
  io: Io,
  file: { path: string; size: number },
  target: { bucket: string; key: string },
  settings: UploadSettings,
): Promise<{ size: number; parts: number; crc64: string }> {
  const bar = progress(io, `upload ${cosUrl(target.bucket, target.key)}`, file.size);
  const type = lookup(file.path);
  const body = createReadStream(file.path).pipe(bar.counter());
  const result = await cos.client.writeObject({
    bucket: target.bucket,
    key: target.key,
    body,
    partSize: settings.partSizeMiB * 1024 * 1024,
    parallelism: settings.threads,
    ...(type && { contentType: type }),
  });
  bar.done();
  return { size: result.size, parts: result.parts, crc64: result.crc64 };
}

/** Downloads an object to a file, written beside it and renamed at the end: a failure leaves no partial file. */
export async function downloadFile(
  cos: Cos,
  io: Io,
  source: { bucket: string; key: string; size?: number },
  target: string,
): Promise<void> {
  await makeDirectory(dirname(target));
  const bar = progress(io, `download ${cosUrl(source.bucket, source.key)}`, source.size);
  const partial = `${target}.cosfn-partial-${process.pid}`;
  try {
    await pipeline(cos.client.readStream(source.bucket, source.key), bar.counter(), createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await unlink(partial).catch(() => {});
    throw error;
  } finally {
    bar.done();
  }
}
