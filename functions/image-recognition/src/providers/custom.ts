import type { ImageInput, ImageLimits, Recognition, Recognizer } from "./types.ts";

/** Limits that suit most local models: an upright JPEG/PNG of at most 2048 px a side, 10 MB. */
export const CUSTOM_DEFAULT_LIMITS: ImageLimits = {
  formats: ["jpeg", "png"],
  maxBytes: 10 * 1024 * 1024,
  minSide: 1,
  maxWidth: 2048,
  maxHeight: 2048,
  animated: false,
};

export interface CustomRecognizerOptions {
  name: string;
  /** What the model or service accepts; the function pre-fits the image to it. Default CUSTOM_DEFAULT_LIMITS. */
  limits?: ImageLimits;
  /** Called with the image's bytes (pre-fitted when the limits demand it) and where they are stored. */
  recognize: (image: ImageInput, signal: AbortSignal) => Promise<Recognition>;
}

/**
 * The seam for a user's own model or service: a recognizer from a function of the image's bytes. Add it to the
 * handler's recognizers (README, "Adapt it"); its labels and verdict go through the same tags, sidecar and
 * moderation rules as CI's.
 */
export function createCustomRecognizer(options: CustomRecognizerOptions): Recognizer {
  return {
    name: options.name,
    limits: options.limits ?? CUSTOM_DEFAULT_LIMITS,
    recognize: (image, context) => options.recognize(image, context.signal),
  };
}
