import type { CosClient } from "@cosfn/cos";
import type { ImageFormat } from "../formats.ts";

/** What a recognizer accepts; an image outside them is pre-fitted for it (or skipped when too small). */
export interface ImageLimits {
  formats: readonly ImageFormat[];
  /** Bytes of the object, at most. */
  maxBytes: number;
  /** Pixels of the shorter side, at least (a pre-fit never enlarges). */
  minSide: number;
  maxWidth: number;
  maxHeight: number;
  /** Whether it takes every frame of an animated GIF/WebP; if not, it gets the first frame, pre-fitted. */
  animated: boolean;
  /** Storage classes it cannot read (CI refuses ARCHIVE and DEEP_ARCHIVE objects). */
  refusedStorageClasses?: readonly string[];
}

/** The image a recognizer is asked about: the object itself, or its pre-fitted derivative. */
export interface ImageInput {
  bucket: string;
  /** The object's key, or the derivative's. */
  key: string;
  /** Whether `key` is a pre-fitted derivative (upright JPEG, metadata stripped). */
  derivative: boolean;
  size: number;
  format: ImageFormat;
  width: number;
  height: number;
  /** The bytes at `key`, for recognizers that run locally or post the image elsewhere. */
  bytes: Buffer;
}

export interface RecognizeContext {
  /** The function's COS client: CI requests are signed COS requests on the bucket's domain. */
  cos: CosClient;
  signal: AbortSignal;
}

/** One label, with CI's confidence from 0 to 100. */
export interface Label {
  name: string;
  confidence: number;
  /** The `detect-label` scene that found it (`camera`, `web`...), when the provider has scenes. */
  scene?: string;
  firstCategory?: string;
  secondCategory?: string;
}

export const MODERATION_CATEGORIES = ["porn", "ads", "politics", "terrorism", "teenager"] as const;
export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** One category of a moderation verdict (CI's `PornInfo`, `AdsInfo`...). */
export interface CategoryVerdict {
  /** CI's per-category `Code` (0 when it was checked) and `Msg`. */
  code: number;
  message?: string;
  /** 0 not hit, 1 block, 2 suspicious. */
  hitFlag: number;
  score: number;
  label?: string;
  category?: string;
  subLabel?: string;
}

/** A moderation verdict: CI's `Result` (0 normal, 1 block, 2 suspicious), label and score, per category. */
export interface ModerationVerdict {
  result: 0 | 1 | 2;
  label: string;
  score: number;
  category?: string;
  subLabel?: string;
  jobId?: string;
  categories: Partial<Record<ModerationCategory, CategoryVerdict>>;
}

/** What a recognizer found: labels, a moderation verdict, or both. */
export interface Recognition {
  labels?: Label[];
  moderation?: ModerationVerdict;
}

/** One recognizer: CI's label detection or moderation, or a user's own model or service. */
export interface Recognizer {
  readonly name: string;
  readonly limits: ImageLimits;
  recognize(image: ImageInput, context: RecognizeContext): Promise<Recognition>;
}
