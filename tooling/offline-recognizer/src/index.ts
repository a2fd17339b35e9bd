export { COCO_LABELS, type CocoLabel, cocoLabel } from "./coco-labels.ts";
export { MAX_INPUT_PIXELS } from "./decode.ts";
export { MODERATION_MODELS, type ModerationModel, NSFW_CLASSES, type NsfwClass } from "./moderation.ts";
export {
  createOfflineRecognizer,
  type OfflineLabel,
  type OfflineRecognizer,
  type OfflineRecognizerOptions,
} from "./recognizer.ts";
export { type ModerationVerdict, moderationVerdict } from "./verdict.ts";
