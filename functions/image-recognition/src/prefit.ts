import type { Config } from "./config.ts";
import type { ImageInspection } from "./inspect.ts";
import { rejection, sharpInput } from "./inspect.ts";
import type { ImageLimits } from "./providers/types.ts";
import { loadSharp } from "./sharp-loader.ts";

/** What a recognizer gets for an image: the object as it is, a pre-fitted copy, or nothing (too small). */
export type Fit = { use: "original" } | { use: "derivative"; because: string } | { use: "none"; because: string };

/** Whether an image (`size` bytes, stored as inspected) suits a recognizer's limits as it is. */
export function fitFor(limits: ImageLimits, image: ImageInspection, size: number): Fit {
  const shorter = Math.min(image.width, image.height);
  if (shorter < limits.minSide) {
    return {
      use: "none",
      because: `${image.width}x${image.height} is under its minimum of ${limits.minSide} px a side`,
    };
  }
  const reasons: string[] = [];
  if (!limits.formats.includes(image.format)) reasons.push(`it does not take ${image.format}`);
  if (size > limits.maxBytes) reasons.push(`${size} bytes is over its ${limits.maxBytes}`);
  if (image.width > limits.maxWidth || image.height > limits.maxHeight) {
    reasons.push(`${image.width}x${image.height} is over its ${limits.maxWidth}x${limits.maxHeight}`);
  }
  if (image.orientation !== 1) reasons.push(`EXIF orientation ${image.orientation} must be applied first`);
  if (image.colourSpace === "cmyk") reasons.push("CMYK must become sRGB");
  if (image.frames > 1 && !limits.animated) reasons.push(`it takes one frame of ${image.frames}`);
  return reasons.length === 0 ? { use: "original" } : { use: "derivative", because: reasons.join("; ") };
}

/** The bounds of one derivative that suits every recognizer in `limits`. */
export interface PrefitTarget {
  maxWidth: number;
  maxHeight: number;
  maxBytes: number;
}

export function prefitTarget(limits: readonly ImageLimits[], maxSide: number): PrefitTarget {
  return {
    maxWidth: Math.min(maxSide, ...limits.map((l) => l.maxWidth)),
    maxHeight: Math.min(maxSide, ...limits.map((l) => l.maxHeight)),
    maxBytes: Math.min(...limits.map((l) => l.maxBytes)),
  };
}

/** A pre-fitted image: upright JPEG, sRGB, 8 bits, no metadata, within the target. */
export interface Derivative {
  bytes: Buffer;
  width: number;
  height: number;
}

/**
 * Pre-fits an image to a target: the first frame, EXIF orientation applied, resized inside the target with
 * shrink-on-load (JPEG and WebP decode at 1/2, 1/4 or 1/8 straight away), alpha flattened on white, encoded as
 * JPEG without metadata. When the JPEG is still over `maxBytes`, the quality and size step down (three times).
 */
export async function prefitImage(
  bytes: Buffer,
  image: ImageInspection,
  target: PrefitTarget,
  config: Pick<Config, "maxPixels" | "failOn" | "prefitQuality">,
  where: string,
): Promise<Derivative> {
  const sharp = loadSharp();
  let { maxWidth, maxHeight } = target;
  let quality = config.prefitQuality;
  for (let attempt = 1; ; attempt++) {
    try {
      const { data, info } = await sharp(bytes, sharpInput(config))
        .autoOrient()
        .resize({ width: maxWidth, height: maxHeight, fit: "inside", withoutEnlargement: true })
        .flatten({ background: "#ffffff" })
        .toColourspace("srgb")
        .jpeg({ quality })
        .toBuffer({ resolveWithObject: true });
      if (data.length <= target.maxBytes || attempt >= 4) {
        if (data.length > target.maxBytes) {
          throw new Error(
            `a ${info.width}x${info.height} JPEG still has ${data.length} bytes, over ${target.maxBytes}`,
          );
        }
        return { bytes: data, width: info.width, height: info.height };
      }
    } catch (error) {
      throw rejection(error, where, image.format);
    }
    quality = Math.max(40, quality - 15);
    maxWidth = Math.max(32, Math.floor(maxWidth * 0.75));
    maxHeight = Math.max(32, Math.floor(maxHeight * 0.75));
  }
}
