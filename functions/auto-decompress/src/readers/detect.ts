import type { ArchiveFormat } from "./types.ts";

/** Bytes to read from the start of an object to detect its format (a tar header is 512 bytes). */
export const SNIFF_BYTES = 512;

/** What the first bytes say: an archive format, or the reason the object is not one the function extracts. */
export type Detected = { format: ArchiveFormat | "gzip-unknown" } | { unsupported: string };

function tarChecksumMatches(header: Uint8Array): boolean {
  if (header.length < 512) return false;
  const stored = Number.parseInt(
    Buffer.from(header.subarray(148, 156)).toString("latin1").replace(/\0.*$/s, "").trim(),
    8,
  );
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] as number);
  return sum === stored;
}

/** A tar header: "ustar" at 257 (POSIX and GNU), or an old V7 header whose checksum holds. */
export function isTarHeader(header: Uint8Array): boolean {
  const magic = Buffer.from(header.subarray(257, 262)).toString("latin1");
  return magic === "ustar" || tarChecksumMatches(header);
}

/**
 * Detects the format from the first bytes. Gzip needs one more look, at the first bytes it inflates to, to tell
 * `.tar.gz` from a single gzipped file: that is `gzip-unknown` here.
 */
export function detectFormat(head: Uint8Array): Detected {
  const b = (i: number) => head[i] ?? -1;
  if (b(0) === 0x50 && b(1) === 0x4b) {
    if ((b(2) === 0x03 && b(3) === 0x04) || (b(2) === 0x05 && b(3) === 0x06)) return { format: "zip" };
    if (b(2) === 0x07 && b(3) === 0x08)
      return { unsupported: "a split or spanned zip (PK\\x07\\x08), which is not supported" };
  }
  if (b(0) === 0x1f && b(1) === 0x8b)
    return b(2) === 0x08 ? { format: "gzip-unknown" } : { unsupported: "gzip with an unknown compression method" };
  if (head.length >= 512 && isTarHeader(head)) return { format: "tar" };
  const text = Buffer.from(head.subarray(0, 8)).toString("latin1");
  if (text.startsWith("7z\xbc\xaf\x27\x1c"))
    return { unsupported: "a 7z archive, which is not supported (zip, tar, tar.gz, gzip are)" };
  if (text.startsWith("Rar!"))
    return { unsupported: "a RAR archive, which is not supported (zip, tar, tar.gz, gzip are)" };
  if (text.startsWith("BZh")) return { unsupported: "bzip2 data, which is not supported (zip, tar, tar.gz, gzip are)" };
  if (b(0) === 0xfd && text.slice(1, 6) === "7zXZ\0")
    return { unsupported: "xz data, which is not supported (zip, tar, tar.gz, gzip are)" };
  if (head.length === 0) return { unsupported: "an empty object (0 bytes), not an archive" };
  return { unsupported: "not an archive (zip, tar, tar.gz or gzip) by its content" };
}
