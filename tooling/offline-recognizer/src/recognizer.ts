import type { Recognizer } from "@cosfn/local-cloud";
import { type CocoLabel, cocoLabel } from "./coco-labels.ts";
import { decodeRgb } from "./decode.ts";
import { classifyModeration, MODERATION_MODELS, type ModerationModel, type NsfwClass } from "./moderation.ts";
import { detectObjects } from "./objects.ts";
import { type ModerationVerdict, moderationVerdict } from "./verdict.ts";

export interface OfflineRecognizerOptions {
  /** Lowest detector score (0-1) a label is reported at. Default 0.08: CenterNet scores real objects low. */
  minScore?: number;
  /** Most labels reported per image, highest confidence first. Default 10. */
  maxLabels?: number;
  /** `chinese` (CI's names; default) or `english` (COCO's) in `Name`. */
  names?: "chinese" | "english";
  /** nsfwjs's model for moderation: `MobileNetV2` (default), `MobileNetV2Mid` or `InceptionV3` (most accurate, slowest). */
  moderationModel?: ModerationModel;
}

/** A COCO class found in an image, with its names in both languages and a confidence 0-100. */
export interface OfflineLabel extends CocoLabel {
  confidence: number;
}

/** The local cloud's `Recognizer`, plus the same answers with both languages and the raw class scores. */
export interface OfflineRecognizer extends Required<Recognizer> {
  /** COCO objects in the image, one entry per class at its best score, highest first. */
  labels(bytes: Buffer, where?: string): Promise<OfflineLabel[]>;
  /** nsfwjs's class probabilities (0-1) and the verdict made of them. */
  moderation(
    bytes: Buffer,
    where?: string,
  ): Promise<{ classes: Record<NsfwClass, number>; verdict: ModerationVerdict }>;
}

/** Objects are detected on an image fitted inside this square: CenterNet's input is 512, so this loses nothing. */
const DETECTION_SIDE = 1024;

/**
 * A recognizer that runs offline: labels from human's CenterNet (COCO-80 objects) and moderation from
 * nsfwjs's MobileNetV2, both on TensorFlow.js's WebAssembly backend with the weights their npm packages ship.
 * The models load on the first request (about 1-2 s) and are shared by every recognizer in the process;
 * inferences run one at a time. Every label scene (camera, web, album, news) gets the same labels.
 */
export function createOfflineRecognizer(options: OfflineRecognizerOptions = {}): OfflineRecognizer {
  const minScore = options.minScore ?? 0.08;
  const maxLabels = options.maxLabels ?? 10;

  async function labels(bytes: Buffer, where = "image"): Promise<OfflineLabel[]> {
    const image = await decodeRgb(bytes, where, { side: DETECTION_SIDE, fit: "inside" });
    const best = new Map<string, number>();
    for (const { label, score } of await detectObjects(image, where)) {
      if (score >= minScore && score > (best.get(label) ?? 0)) best.set(label, score);
    }
    const found: OfflineLabel[] = [];
    for (const [label, score] of best) {
      const known = cocoLabel(label) ?? { english: label, chinese: label, firstCategory: "", secondCategory: "" };
      found.push({ ...known, confidence: Math.round(score * 100) });
    }
    return found.sort((a, b) => b.confidence - a.confidence).slice(0, maxLabels);
  }

  async function moderation(bytes: Buffer, where = "image") {
    const model = options.moderationModel ?? "MobileNetV2";
    const image = await decodeRgb(bytes, where, { side: MODERATION_MODELS[model].side, fit: "fill" });
    const classes = await classifyModeration(image, model);
    return { classes, verdict: moderationVerdict(classes) };
  }

  return {
    labels,
    moderation,
    async detectLabel(image) {
      return (await labels(image.bytes, image.key)).map((label) => ({
        name: options.names === "english" ? label.english : label.chinese,
        confidence: label.confidence,
        firstCategory: label.firstCategory,
        secondCategory: label.secondCategory,
      }));
    },
    async moderate(image) {
      return (await moderation(image.bytes, image.key)).verdict;
    },
  };
}
