import type { CosRecord } from "@cosfn/events";
import { PermanentError, type RecordContext, type RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { extractArchive, manifestKey, parallelismFor } from "./extract.ts";
import { targetPrefixFor } from "./target-prefix.ts";

/**
 * One uploaded archive: read as it is now (the event's size may be stale if the key was written again since),
 * extracted under its target prefix, reported with the manifest's key and counts (written, already written,
 * skipped, renamed, refused, failed). Entries that failed fail the record, permanently, with the same counts in
 * its message: the rest of the archive is extracted, and a retry would fail them the same way.
 */
export async function processArchive(record: CosRecord, context: RecordContext<Config>): Promise<RecordResult> {
  const { config, cos, signal, log, name } = context;
  const prefix = targetPrefixFor(record.key, config.targetPrefix);
  const archive = await cos.head(record.bucket, record.key);
  if (!archive) return { skipped: "the archive no longer exists" };
  const manifest = await extractArchive({
    cos,
    source: { bucket: record.bucket, key: record.key, size: archive.size, etag: archive.etag },
    target: { bucket: config.targetBucket ?? record.bucket, prefix },
    config,
    functionName: name,
    signal,
    log,
    // Entries in flight, within the function's memory (128 MB: 1; 512 MB: 8).
    parallelism: parallelismFor(context.context.memory_limit_in_mb),
  });
  const key = manifestKey(prefix, record);
  const failed = manifest.entries.filter((entry) => entry.outcome === "failed");
  const first = failed[0];
  if (first) {
    const why = first.reason?.startsWith(`${first.name}: `) ? first.reason : `${first.name}: ${first.reason}`;
    const { written, skipped, renamed, refused } = manifest.counts;
    throw new PermanentError(
      "ENTRIES_FAILED",
      `${failed.length} of ${manifest.entries.length} entries failed (${written} written, ${skipped} skipped, ${renamed} renamed, ${refused} refused; see ${key}); first: ${why}`,
    );
  }
  return { detail: { prefix, manifest: key, ...manifest.counts } };
}
