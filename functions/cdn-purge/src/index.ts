import { createHandler } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import { flushQueue } from "./flush.ts";
import { purgeObject } from "./process-record.ts";
import { createResources, type Resources } from "./resources.ts";

export const FUNCTION_NAME = "cdn-purge";

/** SCF's entry point: COS events purge (or queue) their objects' URLs; a timer event flushes the queue. */
export const main_handler = createHandler<Config, Resources>({
  name: FUNCTION_NAME,
  config: loadConfig,
  setup: createResources,
  filter: (config) => ({
    events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
    outputPrefix: config.queuePrefix,
    ...(config.queueBucket && { outputBucket: config.queueBucket }),
  }),
  // Every record of an invocation at once, so that their URLs go out in one purge.
  concurrency: 64,
  processRecord: purgeObject,
  timer: flushQueue,
});
