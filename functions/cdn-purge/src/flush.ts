import type { TimerEvent } from "@cosfn/events";
import type { RecordContext, RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { planFlush } from "./plan.ts";
import type { PurgeFailure } from "./providers/types.ts";
import { PurgeFailedError } from "./purge-error.ts";
import { type QueueEntry, readQueue } from "./queue.ts";
import type { Resources } from "./resources.ts";

/**
 * The timer's work in `queued` mode: reads the whole queue, deduplicates across all of it, plans the fewest calls
 * within today's quota (read fresh from the quota API; folders with many URLs become one prefix purge), purges, and
 * deletes exactly the entries whose purge succeeded. A crash or a deadline at any point leaves the other entries
 * for the next flush: a URL may be purged twice, never zero times. Entries queued while it runs are not touched.
 */
export async function flushQueue(_event: TimerEvent, context: RecordContext<Config, Resources>): Promise<RecordResult> {
  const { config, resources, signal, log } = context;
  if (!config.queueBucket) return { skipped: "no QUEUE_BUCKET: nothing is ever queued" };
  const bucket = config.queueBucket;
  const cos = resources.queue ?? context.cos;
  const entries = await readQueue(cos, bucket, config.queuePrefix);
  if (entries.length === 0) return { detail: { entries: 0 } };
  const byKind = (kind: QueueEntry["kind"]) =>
    entries.filter((entry) => entry.kind === kind).map((entry) => entry.target as string);
  const { provider } = resources;
  const quota = await provider.quota({ fresh: true, signal });
  const plan = planFlush(
    { urls: byKind("url"), prefixes: byKind("prefix"), prefetch: byKind("prefetch") },
    quota,
    config.escalateMinUrls,
  );
  log.info("flush planned", {
    entries: entries.length,
    urls: plan.urls.length,
    prefixes: plan.prefixes.length,
    prefetch: plan.prefetch.length,
    deferred: plan.deferred.urls.length + plan.deferred.prefixes.length + plan.deferred.prefetch.length,
  });
  const [urls, prefixes] = await Promise.all([
    provider.purgeUrls(plan.urls, { signal }),
    provider.purgePrefixes(plan.prefixes, { signal }),
  ]);
  const purged = new Set(urls.purged);
  for (const prefix of prefixes.purged) {
    purged.add(prefix);
    for (const url of plan.covers.get(prefix) ?? []) purged.add(url);
  }
  const prefetch = await provider.prefetch(
    plan.prefetch.filter((url) => purged.has(url) || !byKind("url").includes(url)),
    { signal },
  );
  const done = (entry: QueueEntry) =>
    entry.kind === "prefetch" ? prefetch.purged.includes(entry.target as string) : purged.has(entry.target as string);
  const finished = entries.filter(done).map((entry) => entry.key);
  const undeleted = await cos.deleteObjects(bucket, finished);
  const failures: PurgeFailure[] = [...urls.failed, ...prefixes.failed, ...prefetch.failed];
  const detail = {
    entries: entries.length,
    calls: urls.calls + prefixes.calls + prefetch.calls,
    urlsPurged: urls.purged.length,
    prefixesPurged: prefixes.purged.length,
    prefetched: prefetch.purged.length,
    dequeued: finished.length - undeleted.length,
    deferred: plan.deferred.urls.length + plan.deferred.prefixes.length + plan.deferred.prefetch.length,
    failed: failures.length,
  };
  if (undeleted.length > 0) log.warn("queue entries not deleted; the next flush purges them again", { undeleted });
  // Quota refusals wait for tomorrow's flush; anything else is reported (and retried by SCF when it can be).
  const reported = failures.filter((failure) => !failure.quota);
  if (reported.length > 0) {
    log.error("flush finished with failures", detail);
    throw new PurgeFailedError(reported);
  }
  return { detail };
}
