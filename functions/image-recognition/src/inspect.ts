import type { Metadata, SharpOptions } from "sharp";
import type { Config } from "./config.ts";
import { ImageRejectedError, type RejectionCode } from "./errors.ts";
import { type ExifSummary, summarizeExif } from "./exif.ts";
import type { ImageFormat } from "./formats.ts";
import { loadSharp } from "./sharp-loader.ts";

/** What inspecting an image found: the sidecar's `image`. Dimensions are of the first frame, as displayed. */
export interface ImageInspection {
  format: ImageFormat;
  width: number;
  height: number;
  /** EXIF orientation, 1 (upright) to 8; width and height above already take it into account. */
  orientation: number;
  /** Frames of an animated GIF/WebP or pages of a TIFF; 1 for a still image. */
  frames: number;
  colourSpace: string;
  channels: number;
  bitDepth: number;
  hasAlpha: boolean;
  exif?: ExifSummary;
  /** 64-bit difference hash of the upright image, 16 hex digits: close images differ in few bits. */
  dhash: string;
}

/** What sharp is told about every input: the pixel limit, how bad data may be, the first frame only. */
export function sharpInput(config: Pick<Config, "maxPixels" | "failOn">): SharpOptions {
  return { limitInputPixels: config.maxPixels, failOn: config.failOn, pages: 1, sequentialRead: true };
}

const DEPTH_BITS: Record<string, number> = {
  uchar: 8,
  char: 8,
  ushort: 16,
  short: 16,
  uint: 32,
  int: 32,
  float: 32,
  complex: 64,
  double: 64,
  dpcomplex: 128,
};

/** sharp's failure on an image as a rejection: a pixel bomb, a format this build cannot decode, or bad data. */
export function rejection(error: unknown, where: string, format: ImageFormat): ImageRejectedError {
  const message = error instanceof Error ? error.message : String(error);
  let code: RejectionCode = "IMAGE_CORRUPT";
  if (/pixel limit/i.test(message)) code = "IMAGE_PIXEL_LIMIT";
  else if (/unsupported image format|no decoder|not supported|heif: .*(unsupported|decoder)/i.test(message)) {
    code = "IMAGE_FORMAT_UNSUPPORTED";
  }
  const what =
    code === "IMAGE_FORMAT_UNSUPPORTED"
      ? `this sharp build cannot decode this ${format} image`
      : code === "IMAGE_PIXEL_LIMIT"
        ? "the image has more pixels than MAX_PIXELS allows"
        : `the ${format} image cannot be decoded`;
  return new ImageRejectedError(code, where, `${what} (${message.trim()})`, { cause: error });
}

/**
 * A HEIC (HEVC-coded HEIF, brand `heic`/`mif1`...): sharp's prebuilt libvips decodes AVIF but carries no HEVC
 * decoder, so such a file is refused as unsupported whatever its content; AVIF (the same container) is read.
 */
function heicUnsupported(where: string, cause?: unknown): ImageRejectedError {
  const detail =
    cause === undefined ? "" : ` (${(cause instanceof Error ? cause.message : String(cause)).split("\n").at(-1)})`;
  return new ImageRejectedError(
    "IMAGE_FORMAT_UNSUPPORTED",
    where,
    `HEIC/HEIF with HEVC cannot be decoded by sharp's prebuilt libvips (it decodes AVIF only); convert it to JPEG or AVIF, or build sharp with a libheif that has an HEVC decoder${detail}`,
    cause === undefined ? undefined : { cause },
  );
}

/** A 64-bit dHash of 9x8 greys: each bit says whether a pixel is brighter than its right neighbour. */
export function dhashOf(greys: Buffer): string {
  let bits = 0n;
  for (let row = 0; row < 8; row++) {
    for (let column = 0; column < 8; column++) {
      const left = greys[row * 9 + column] as number;
      const right = greys[row * 9 + column + 1] as number;
      bits = (bits << 1n) | (left > right ? 1n : 0n);
    }
  }
  return bits.toString(16).padStart(16, "0");
}

/**
 * Inspects an image with sharp: the header first (format, dimensions, orientation, frames, colour space, depth,
 * EXIF), refusing a pixel bomb before anything is decoded; then one shrink-on-load decode of the first frame,
 * upright, for the dHash, which also proves the data decodes under `failOn`.
 */
export async function inspectImage(
  bytes: Buffer,
  format: ImageFormat,
  config: Pick<Config, "maxPixels" | "failOn">,
  where: string,
): Promise<ImageInspection> {
  const sharp = loadSharp();
  let metadata: Metadata;
  try {
    // sharp checks the pixel limit on the header already; read without it to say what the header declares.
    metadata = await sharp(bytes, { ...sharpInput(config), limitInputPixels: false }).metadata();
  } catch (error) {
    if (format === "heif") throw heicUnsupported(where, error);
    throw rejection(error, where, format);
  }
  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.pageHeight ?? metadata.height ?? 0;
  if (storedWidth * storedHeight > config.maxPixels) {
    throw new ImageRejectedError(
      "IMAGE_PIXEL_LIMIT",
      where,
      `the image declares ${storedWidth}x${storedHeight} pixels (${(storedWidth * storedHeight).toLocaleString("en")}), over MAX_PIXELS ${config.maxPixels.toLocaleString("en")}; it was not decoded`,
    );
  }
  if (format === "heif" && metadata.compression === "hevc") throw heicUnsupported(where);
  const orientation = metadata.orientation ?? 1;
  const turned = orientation >= 5 && orientation <= 8;
  let greys: Buffer;
  try {
    greys = await sharp(bytes, sharpInput(config))
      .autoOrient()
      .greyscale()
      .resize(9, 8, { fit: "fill" })
      .raw()
      .toBuffer();
  } catch (error) {
    throw rejection(error, where, format);
  }
  const exif = summarizeExif(metadata.exif);
  return {
    format,
    width: turned ? storedHeight : storedWidth,
    height: turned ? storedWidth : storedHeight,
    orientation,
    frames: metadata.pages ?? 1,
    colourSpace: metadata.space ?? "unknown",
    channels: metadata.channels ?? 0,
    bitDepth: metadata.bitsPerSample ?? DEPTH_BITS[metadata.depth ?? ""] ?? 0,
    hasAlpha: metadata.hasAlpha ?? false,
    ...(exif && { exif }),
    dhash: dhashOf(greys),
  };
}
