export { type CosEventInput, cosEvent, splitBucket } from "./builder.ts";
export { CosEventError, type CosEventIssue } from "./errors.ts";
export { COS_EVENT_NAMES, type CosEventKind, type CosEventName, eventKind, matchesEventName } from "./event-names.ts";
export { encodeObjectKey, MAX_KEY_BYTES } from "./object-key.ts";
export { type CosRecord, parseCosEvent, type SafeParseResult, safeParseCosEvent } from "./parse.ts";
export { recordId } from "./record-id.ts";
export { COS_REGIONS, fullRegionName, shortRegionCode } from "./regions.ts";
export type { ScfContext } from "./scf-context.ts";
export { CosEventSchema, type RawCosEvent, type RawCosEventRecord } from "./schema.ts";
export {
  isTimerEvent,
  parseTimerEvent,
  type SafeParseTimerResult,
  safeParseTimerEvent,
  type TimerEvent,
  TimerEventSchema,
} from "./timer.ts";
