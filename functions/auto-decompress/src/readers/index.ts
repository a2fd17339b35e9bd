import type { CosClient } from "@cosfn/cos";
import { PermanentError } from "@cosfn/runtime";
import { detectFormat, SNIFF_BYTES } from "./detect.ts";
import { openGzipReader } from "./gzip.ts";
import { openTarReader } from "./tar.ts";
import type { ArchiveReader } from "./types.ts";
import { openZipReader } from "./zip.ts";

/**
 * Opens an archive in COS with the reader its content calls for (its first 512 bytes; the name is never
 * trusted): zip through range reads, tar and gzip (tar.gz or a single file) as one streamed read. Anything else
 * fails permanently with the reason (`UNSUPPORTED_FORMAT`).
 */
export async function openArchiveReader(
  cos: CosClient,
  source: { bucket: string; key: string; size: number | null },
  options: { password?: string | undefined } = {},
): Promise<ArchiveReader> {
  const head: Buffer[] = [];
  for await (const chunk of cos.readStream(source.bucket, source.key, { start: 0, end: SNIFF_BYTES - 1 }))
    head.push(chunk as Buffer);
  const detected = detectFormat(Buffer.concat(head));
  if ("unsupported" in detected)
    throw new PermanentError("UNSUPPORTED_FORMAT", `${source.key}: ${detected.unsupported}`);
  const name = source.key;
  if (detected.format === "zip") {
    const range = cos.rangeSource(source.bucket, source.key, source.size ?? undefined);
    return openZipReader(range, { name, password: options.password });
  }
  const stream = cos.readStream(source.bucket, source.key);
  if (detected.format === "tar") return openTarReader(stream, { name });
  return openGzipReader(stream, { name });
}
