import type { HandlerOptions } from "@cosfn/runtime";
import { type Config, loadConfig, OUTPUT_ROOT } from "./config.ts";
import { recognizeObject } from "./process-record.ts";
import { type Extensions, type Resources, resourcesWith } from "./resources.ts";

export const FUNCTION_NAME = "image-recognition";

/** The function's handler options, with a user's own recognizers or result sink plugged in (README, "Adapt it"). */
export function imageRecognition(extensions: Extensions = {}): HandlerOptions<Config, Resources> {
  return {
    name: FUNCTION_NAME,
    config: loadConfig,
    setup: resourcesWith(extensions),
    filter: { events: ["cos:ObjectCreated:*"], outputPrefix: OUTPUT_ROOT },
    // Each record holds one image (at most MAX_INPUT_BYTES) and a decode: a few at once, within memory and CI's rate.
    concurrency: 4,
    processRecord: recognizeObject,
  };
}
