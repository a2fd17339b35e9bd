import { ConfigError, type EnvReader } from "@cosfn/runtime";
import { DEFAULT_FORMATS, IMAGE_FORMATS, type ImageFormat } from "./formats.ts";
import { type ModerationRule, parseModerationRules } from "./moderation-rules.ts";

/** The recognizers a `PROVIDERS` list may name (a user's own recognizer is added in code: README, "Adapt it"). */
export const PROVIDER_NAMES = ["ci-labels", "ci-moderation"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** `detect-label`'s scenes: each is a model of its own, billed on its own. */
export const LABEL_SCENES = ["camera", "web", "album", "news"] as const;
export type LabelScene = (typeof LABEL_SCENES)[number];

/** sharp's `failOn`: how bad an image's data must be to refuse it. */
export const FAIL_ON = ["none", "truncated", "error", "warning"] as const;

/** Every setting of image-recognition, read and checked once per warm instance. */
export interface Config {
  providers: ProviderName[];
  labelScenes: LabelScene[];
  /** `biz-type`: the moderation policy set in the CI console; unset, the account's default policy. */
  bizType: string | undefined;
  /** Which moderation verdicts do what (`MODERATION_RULES`). */
  moderationRules: ModerationRule[];
  /** `move` and `delete` also on a suspicious verdict (Result 2, HitFlag 2); default: they become `review`. */
  destructiveOnSuspicious: boolean;
  /** The tag holding the top labels; `undefined` when off. */
  labelsTag: string | undefined;
  /** Labels in that tag at most, each with at least `tagMinConfidence`. */
  labelsTagCount: number;
  tagMinConfidence: number;
  /** The tag holding the moderation verdict; `undefined` when off. */
  moderationTag: string | undefined;
  /** Where the result of `<key>` is written: `<sidecarPrefix><key>.json`. */
  sidecarPrefix: string;
  /** Where pre-fitted copies for the providers go: `<derivativePrefix><key>.jpg`. */
  derivativePrefix: string;
  /** Where `review` copies a verdict for a person: `<reviewPrefix><key>.json`. */
  reviewPrefix: string;
  /** Where `move` puts an object: `<quarantinePrefix><key>`. */
  quarantinePrefix: string;
  keepDerivatives: boolean;
  /** sharp's `limitInputPixels`: width x height of one frame, at most. */
  maxPixels: number;
  /** Objects larger than this are not read. */
  maxBytes: number;
  formats: ImageFormat[];
  failOn: (typeof FAIL_ON)[number];
  /** The longest side of a pre-fitted copy (also bounded by each provider's limits). */
  prefitMaxSide: number;
  prefitQuality: number;
  /** Attempts of a throttled CI request (X-ErrNo -29214, HTTP 429 or 503), the first included. */
  ciAttempts: number;
}

/** Every output of the function is under this prefix unless the settings move one elsewhere. */
export const OUTPUT_ROOT = ".cosfn/image-recognition/";

function prefix(env: EnvReader, name: string, fallback: string): string {
  const value = env.string(name, { default: fallback });
  if (!value.endsWith("/") || value.startsWith("/")) {
    throw new ConfigError(name, value, "a key prefix ending with / and not starting with /");
  }
  return value;
}

/** A tag name setting: a COS tag key (1-128 characters of letters, digits, space, + - = . _ : / @), or `off`. */
function tagName(env: EnvReader, name: string, fallback: string): string | undefined {
  const value = env.string(name, { default: fallback });
  if (value.toLowerCase() === "off") return undefined;
  if (!/^[\p{L}\p{N} +\-=._:/@]{1,128}$/u.test(value)) {
    throw new ConfigError(
      name,
      value,
      "a tag key of 1-128 letters, digits, spaces or + - = . _ : / @ (no commas), or off",
    );
  }
  return value;
}

function listOf<const T extends string>(env: EnvReader, name: string, values: readonly T[], fallback: T[]): T[] {
  const items = env.list(name, { default: fallback });
  const bad = items.find((item) => !(values as readonly string[]).includes(item.toLowerCase()));
  if (bad !== undefined || items.length === 0) {
    throw new ConfigError(name, items.join(","), `a comma-separated list of ${values.join(", ")}`);
  }
  return [...new Set(items.map((item) => item.toLowerCase() as T))];
}

export function loadConfig(env: EnvReader): Config {
  const rules = env.string("MODERATION_RULES", { default: "*>=91:review,*>=61:tag" });
  let moderationRules: ModerationRule[];
  try {
    moderationRules = parseModerationRules(rules);
  } catch (error) {
    throw new ConfigError(
      "MODERATION_RULES",
      rules,
      `rules such as porn>=91:delete,*>=61:review (${(error as Error).message})`,
      { cause: error },
    );
  }
  return {
    // `none`: inspection only (format, dimensions, EXIF, dHash in the sidecar), no recognizer but a user's own.
    providers:
      env.optional("PROVIDERS")?.toLowerCase() === "none"
        ? []
        : listOf(env, "PROVIDERS", PROVIDER_NAMES, ["ci-labels", "ci-moderation"]),
    labelScenes: listOf(env, "LABEL_SCENES", LABEL_SCENES, ["camera"]),
    bizType: env.optional("MODERATION_BIZ_TYPE"),
    moderationRules,
    destructiveOnSuspicious: env.bool("MODERATION_DESTRUCTIVE_ON_SUSPICIOUS", { default: false }),
    labelsTag: tagName(env, "LABELS_TAG", "cosfn-labels"),
    labelsTagCount: env.int("LABELS_TAG_COUNT", { default: 5, min: 1, max: 20 }),
    tagMinConfidence: env.int("TAG_MIN_CONFIDENCE", { default: 60, min: 0, max: 100 }),
    moderationTag: tagName(env, "MODERATION_TAG", "cosfn-moderation"),
    sidecarPrefix: prefix(env, "SIDECAR_PREFIX", `${OUTPUT_ROOT}results/`),
    derivativePrefix: prefix(env, "DERIVATIVE_PREFIX", `${OUTPUT_ROOT}derivatives/`),
    reviewPrefix: prefix(env, "REVIEW_PREFIX", `${OUTPUT_ROOT}review/`),
    quarantinePrefix: prefix(env, "QUARANTINE_PREFIX", `${OUTPUT_ROOT}quarantine/`),
    keepDerivatives: env.bool("KEEP_DERIVATIVES", { default: false }),
    maxPixels: env.int("MAX_PIXELS", { default: 100_000_000, min: 1_024, max: 1_000_000_000 }),
    maxBytes: env.bytes("MAX_INPUT_BYTES", { default: 64 * 1024 * 1024, min: 1, max: 1024 ** 3 }),
    formats: listOf(env, "FORMATS", IMAGE_FORMATS, [...DEFAULT_FORMATS]),
    failOn: env.oneOf("FAIL_ON", FAIL_ON, { default: "truncated" }),
    prefitMaxSide: env.int("PREFIT_MAX_SIDE", { default: 1500, min: 64, max: 10_000 }),
    prefitQuality: env.int("PREFIT_QUALITY", { default: 85, min: 30, max: 100 }),
    ciAttempts: env.int("CI_ATTEMPTS", { default: 5, min: 1, max: 10 }),
  };
}
