import { createCosClient } from "@cosfn/cos";
import { createHandler, PermanentError } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import { extractArchive, parallelismFor } from "./extract.ts";
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
    // The archive as it is now: the event's size may be stale if the key was written again since.
    const archive = await cos.head(record.bucket, record.key);
    if (!archive) return { skipped: "the archive no longer exists" };
    const manifest = await extractArchive({
      cos,
      source: { bucket: record.bucket, key: record.key, size: archive.size, etag: archive.etag },
      target: { bucket: config.targetBucket ?? record.bucket, prefix },
      config,
      functionName: FUNCTION_NAME,
      signal,
      log,
      // Entries in flight, within the function's memory (128 MB: 1; 512 MB: 8).
      parallelism: parallelismFor(context.memory_limit_in_mb),
    });
    const failed = manifest.entries.filter((entry) => entry.outcome === "failed");
    const first = failed[0];
    if (first) {
      // The rest of the archive is extracted; a retry would fail these entries the same way.
      const why = first.reason?.startsWith(`${first.name}: `) ? first.reason : `${first.name}: ${first.reason}`;
      throw new PermanentError(
        "ENTRIES_FAILED",
        `${failed.length} of ${manifest.entries.length} entries failed (see ${prefix}.cosfn-manifest.json); first: ${why}`,
      );
    }
    return { detail: { prefix, ...manifest.counts } };
  },
});
