import type { CosClient } from "@cosfn/cos";
import { PermanentError } from "@cosfn/runtime";
import { detectFormat, SNIFF_BYTES } from "./detect.ts";
import { openGzipReader } from "./gzip.ts";
import { openTarReader } from "./tar.ts";
import type { ArchiveReader } from "./types.ts";
import { openZipReader } from "./zip.ts";

/**
 * Opens an archive in COS with the reader its content calls for (its first 512 bytes; the name is never
 * trusted): zip through range reads, tar and gzip (tar.gz or a single file) as one streamed read. Every read is
 * pinned to `source.etag` when known (If-Match), so all the bytes come from the version the extraction started
 * on and a replaced archive fails the read with a CosObjectChangedError. Anything else fails permanently with the
 * reason (`UNSUPPORTED_FORMAT`), an empty (0-byte) object included.
 */
export async function openArchiveReader(
  cos: CosClient,
  source: { bucket: string; key: string; size: number | null; etag?: string | null },
  options: { password?: string | undefined } = {},
): Promise<ArchiveReader> {
  if (source.size === 0)
    throw new PermanentError("UNSUPPORTED_FORMAT", `${source.key}: an empty object (0 bytes), not an archive`);
  const pinned = source.etag ? { ifMatch: source.etag } : {};
  const head: Buffer[] = [];
  for await (const chunk of cos.readStream(source.bucket, source.key, { start: 0, end: SNIFF_BYTES - 1 }, pinned))
    head.push(chunk as Buffer);
  const detected = detectFormat(Buffer.concat(head));
  if ("unsupported" in detected)
    throw new PermanentError("UNSUPPORTED_FORMAT", `${source.key}: ${detected.unsupported}`);
  const name = source.key;
  if (detected.format === "zip") {
    const range = cos.rangeSource(source.bucket, source.key, source.size ?? undefined, pinned);
    return openZipReader(range, { name, password: options.password });
  }
  const stream = cos.readStream(source.bucket, source.key, undefined, pinned);
  if (detected.format === "tar") return openTarReader(stream, { name });
  return openGzipReader(stream, { name });
}
