import { createHandler } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import { processArchive } from "./process-record.ts";
import { constantPrefix } from "./target-prefix.ts";

export const FUNCTION_NAME = "auto-decompress";

/** SCF's entry point: each uploaded archive is extracted under its target prefix (see process-record.ts). */
export const main_handler = createHandler<Config>({
  name: FUNCTION_NAME,
  config: loadConfig,
  filter: (config) => ({
    events: ["cos:ObjectCreated:*"],
    suffixes: [".zip", ".tar", ".tgz", ".tar.gz", ".gz"],
    outputPrefix: constantPrefix(config.targetPrefix),
    ...(config.targetBucket && { outputBucket: config.targetBucket }),
  }),
  // One archive at a time: each already writes its entries in parallel.
  concurrency: 1,
  processRecord: processArchive,
});
