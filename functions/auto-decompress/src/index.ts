import { createCosClient } from "@cosfn/cos";
import { createHandler } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import { extractArchive } from "./extract.ts";
import { constantPrefix, targetPrefixFor } from "./target-prefix.ts";

export const FUNCTION_NAME = "auto-decompress";

/** SCF's entry point: each uploaded archive is extracted under its target prefix. */
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
  processRecord: async (record, { config, signal, log, context }) => {
    const cos = createCosClient({ region: record.region || context.tencentcloud_region });
    const prefix = targetPrefixFor(record.key, config.targetPrefix);
    const manifest = await extractArchive({
      cos,
      source: { bucket: record.bucket, key: record.key, size: record.size, etag: record.etag },
      target: { bucket: config.targetBucket ?? record.bucket, prefix },
      config,
      functionName: FUNCTION_NAME,
      signal,
      log,
    });
    return { detail: { prefix, ...manifest.counts } };
  },
});
