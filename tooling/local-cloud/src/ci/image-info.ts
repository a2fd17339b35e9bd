/** An image's format and size, read from its first bytes (magic numbers and headers, no decoding). */
export interface ImageInfo {
  format: "png" | "jpeg" | "gif" | "bmp" | "webp" | "heif" | undefined;
  width: number | undefined;
  height: number | undefined;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** ISO-BMFF brands of HEIF/HEIC stills and sequences (AVIF is another format: CI does not list it). */
const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]);

/**
 * Reads an image's format and, where its header holds them, its dimensions: PNG (IHDR), JPEG (first
 * start-of-frame), GIF (logical screen), BMP (info header), WebP (VP8, VP8L, VP8X). HEIF's dimensions sit in
 * its `ispe` box: it is recognised by its brand only (dimensions undefined).
 */
export function imageInfo(bytes: Buffer): ImageInfo {
  const none = { width: undefined, height: undefined };
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG_MAGIC)) {
    return bytes.length >= 24
      ? { format: "png", width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
      : { format: "png", ...none };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: "jpeg", ...jpegSize(bytes) };
  }
  const head = bytes.subarray(0, 12).toString("latin1");
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) {
    return bytes.length >= 10
      ? { format: "gif", width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) }
      : { format: "gif", ...none };
  }
  if (head.startsWith("BM")) {
    return bytes.length >= 26
      ? { format: "bmp", width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) }
      : { format: "bmp", ...none };
  }
  if (head.startsWith("RIFF") && head.slice(8, 12) === "WEBP") return { format: "webp", ...webpSize(bytes) };
  if (bytes.length >= 12 && head.slice(4, 8) === "ftyp" && HEIF_BRANDS.has(head.slice(8, 12))) {
    return { format: "heif", ...none };
  }
  return { format: undefined, ...none };
}

/** Walks JPEG segments to the first start-of-frame marker, which holds the dimensions. */
function jpegSize(bytes: Buffer): { width: number | undefined; height: number | undefined } {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return { width: undefined, height: undefined };
    const marker = bytes[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return { width: undefined, height: undefined };
}

/** WebP's first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X) each store the size differently. */
function webpSize(bytes: Buffer): { width: number | undefined; height: number | undefined } {
  const chunk = bytes.subarray(12, 16).toString("latin1");
  if (chunk === "VP8 " && bytes.length >= 30) {
    return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (chunk === "VP8L" && bytes.length >= 25) {
    const bits = bytes.readUInt32LE(21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X" && bytes.length >= 30) {
    return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
  }
  return { width: undefined, height: undefined };
}
