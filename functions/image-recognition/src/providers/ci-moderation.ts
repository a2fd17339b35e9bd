import { ciRequest, number, text } from "./ci-request.ts";
import type { CategoryVerdict, ImageLimits, ModerationCategory, ModerationVerdict, Recognizer } from "./types.ts";

/** Moderation's limits (doc 436/48537): under 32 MB, 20-10000 px, PNG/JPG/BMP/GIF/WebP/HEIF, no archive classes. */
export const CI_MODERATION_LIMITS: ImageLimits = {
  formats: ["jpeg", "png", "bmp", "gif", "webp", "heif"],
  maxBytes: 32 * 1024 * 1024 - 1,
  minSide: 20,
  maxWidth: 10_000,
  maxHeight: 10_000,
  animated: true,
  refusedStorageClasses: ["ARCHIVE", "DEEP_ARCHIVE"],
};

/** Above this, moderation needs `large-image-detect=1` (CI compresses the image first). */
export const LARGE_IMAGE_BYTES = 5 * 1024 * 1024;

const CATEGORY_ELEMENTS: Record<ModerationCategory, string> = {
  porn: "PornInfo",
  ads: "AdsInfo",
  politics: "PoliticsInfo",
  terrorism: "TerrorismInfo",
  teenager: "TeenagerInfo",
};

function categoryVerdict(element: Record<string, unknown>): CategoryVerdict {
  const message = text(element.Msg);
  const label = text(element.Label);
  const category = text(element.Category);
  const subLabel = text(element.SubLabel);
  return {
    code: number(element.Code),
    ...(message && { message }),
    hitFlag: number(element.HitFlag),
    score: number(element.Score),
    ...(label && { label }),
    ...(category && { category }),
    ...(subLabel && { subLabel }),
  };
}

/** A `sensitive-content-recognition` answer as a verdict: `Result`, `Label`, `Score`, and each `*Info` category. */
export function parseModeration(answer: Record<string, unknown>): ModerationVerdict {
  const root = (answer.RecognitionResult ?? answer.Response ?? {}) as Record<string, unknown>;
  const result = number(root.Result);
  const categories: ModerationVerdict["categories"] = {};
  for (const [name, element] of Object.entries(CATEGORY_ELEMENTS) as [ModerationCategory, string][]) {
    const found = root[element];
    if (found && typeof found === "object") categories[name] = categoryVerdict(found as Record<string, unknown>);
  }
  const category = text(root.Category);
  const subLabel = text(root.SubLabel);
  const jobId = text(root.JobId);
  return {
    result: result === 1 || result === 2 ? result : 0,
    label: text(root.Label) ?? "Normal",
    score: number(root.Score),
    ...(category && { category }),
    ...(subLabel && { subLabel }),
    ...(jobId && { jobId }),
    categories,
  };
}

export interface CiModerationOptions {
  /** `biz-type`: the moderation policy; unset, the account's default. */
  bizType?: string | undefined;
  attempts: number;
  baseDelayMs?: number;
}

/**
 * Cloud Infinite's image moderation: `GET /<key>?ci-process=sensitive-content-recognition&biz-type=...`, with
 * `large-image-detect=1` above 5 MB. An animated GIF/WebP is sent whole (`max-frames` left to CI's default).
 */
export function createCiModeration(options: CiModerationOptions): Recognizer {
  return {
    name: "ci-moderation",
    limits: CI_MODERATION_LIMITS,
    async recognize(image, context) {
      const answer = await ciRequest(
        context,
        image.bucket,
        image.key,
        {
          "ci-process": "sensitive-content-recognition",
          ...(options.bizType && { "biz-type": options.bizType }),
          ...(image.size > LARGE_IMAGE_BYTES && { "large-image-detect": "1" }),
        },
        options,
      );
      return { moderation: parseModeration(answer) };
    },
  };
}
