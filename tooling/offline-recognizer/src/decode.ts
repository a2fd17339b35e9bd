import { PermanentError } from "@cosfn/errors";
import sharp from "sharp";

/** An upright 8-bit RGB image, row by row. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Largest input decoded, in pixels (sharp's `limitInputPixels`): a pixel bomb is refused, not decoded. */
export const MAX_INPUT_PIXELS = 100_000_000;

/**
 * Decodes an image's first frame to upright sRGB 8-bit RGB (EXIF orientation applied, alpha flattened on white,
 * CMYK and 16-bit converted), shrunk on load to `size`: `inside` keeps the aspect within a square of that side
 * (never enlarged), `fill` stretches to exactly that square (what a classifier's input wants).
 */
export async function decodeRgb(
  bytes: Buffer,
  where: string,
  size: { side: number; fit: "inside" | "fill" },
): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize(size.side, size.side, { fit: size.fit, withoutEnlargement: size.fit === "inside" })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new PermanentError("ImageUndecodable", `${where} decoded to ${info.channels} channels, not RGB`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    if (error instanceof PermanentError) throw error;
    throw new PermanentError("ImageUndecodable", `${where} could not be decoded: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
