/** The image formats the function tells apart from their first bytes (the key's extension is only a hint). */
export const IMAGE_FORMATS = ["jpeg", "png", "gif", "webp", "bmp", "tiff", "heif", "avif", "svg"] as const;

export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** The formats accepted unless `FORMATS` says otherwise: SVG is refused by default (it may reference other files). */
export const DEFAULT_FORMATS: readonly ImageFormat[] = ["jpeg", "png", "gif", "webp", "tiff", "heif", "avif"];

/** The bytes `sniffFormat` looks at. */
export const SNIFF_BYTES = 1024;

const HEIF_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs", "mif1", "msf1"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);

/** The ISO-BMFF brands of an `ftyp` box: the major brand, then the compatible ones. */
function ftypBrands(bytes: Buffer): string[] {
  if (bytes.length < 16 || bytes.toString("latin1", 4, 8) !== "ftyp") return [];
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  const brands = [bytes.toString("latin1", 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(bytes.toString("latin1", at, at + 4));
  return brands;
}

/**
 * The format an image's first bytes declare (`SNIFF_BYTES` are enough), or `undefined` when they are not an image
 * this function knows. AVIF and HEIF share their container: the brands tell them apart.
 */
export function sniffFormat(bytes: Buffer): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return "png";
  const head = bytes.toString("latin1", 0, Math.min(bytes.length, 12));
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a")) return "gif";
  if (head.startsWith("RIFF") && head.slice(8, 12) === "WEBP") return "webp";
  if (head.startsWith("II*\u0000") || head.startsWith("MM\u0000*")) return "tiff";
  // A BMP file header: "BM", then the file size, two reserved words, the pixel data's offset (past the headers).
  if (head.startsWith("BM") && bytes.length >= 18 && bytes.readUInt32LE(6) === 0 && bytes.readUInt32LE(14) >= 12) {
    return "bmp";
  }
  const brands = ftypBrands(bytes);
  if (brands.some((brand) => AVIF_BRANDS.has(brand))) return "avif";
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return "heif";
  const text = bytes
    .toString("utf8", 0, Math.min(bytes.length, SNIFF_BYTES))
    .replace(/^\uFEFF/, "")
    .trimStart();
  if ((text.startsWith("<?xml") || text.startsWith("<svg") || text.startsWith("<!--")) && /<svg[\s>]/i.test(text)) {
    return "svg";
  }
  return undefined;
}

/** The usual extensions of each format, to note when a key's extension says something else. */
const EXTENSIONS: Record<ImageFormat, readonly string[]> = {
  jpeg: ["jpg", "jpeg", "jpe", "jfif"],
  png: ["png"],
  gif: ["gif"],
  webp: ["webp"],
  bmp: ["bmp", "dib"],
  tiff: ["tif", "tiff"],
  heif: ["heic", "heif", "hif"],
  avif: ["avif"],
  svg: ["svg"],
};

/** Whether a key's extension names another format than its bytes (`photo.png` holding a JPEG); no extension: false. */
export function extensionMismatch(key: string, format: ImageFormat): boolean {
  const match = /\.([a-z0-9]{1,5})$/i.exec(key.slice(key.lastIndexOf("/") + 1));
  if (!match) return false;
  const extension = (match[1] as string).toLowerCase();
  const known = Object.values(EXTENSIONS).some((list) => list.includes(extension));
  return known && !EXTENSIONS[format].includes(extension);
}
