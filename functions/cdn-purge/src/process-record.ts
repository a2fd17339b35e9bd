import type { CosRecord } from "@cosfn/events";
import type { RecordContext, RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { PurgeFailedError } from "./purge-error.ts";
import { enqueue } from "./queue.ts";
import type { Resources } from "./resources.ts";
import { type PurgeTargets, targetsFor } from "./urls.ts";

/**
 * One changed object: its URLs on every domain (see urls.ts), then, in `queued` mode, written to the queue for the
 * timer's flush; in `direct` mode purged now together with the other records of the invocation. Targets a quota
 * refused or a retry may still purge are queued for the flush when there is a queue (never lost); other failures
 * fail the record, retryable or not as the API said.
 */
export async function purgeObject(record: CosRecord, context: RecordContext<Config, Resources>): Promise<RecordResult> {
  const { config, resources, cos, signal, id } = context;
  const targets = targetsFor(record.key, record.kind, config);
  if ("skip" in targets) return { skipped: targets.skip };
  if (config.mode === "queued") {
    const queued = await enqueue(
      resources.queue ?? cos,
      config.queueBucket as string,
      config.queuePrefix,
      targets,
      id,
      signal,
    );
    return { detail: { queued } };
  }
  const result = await resources.batcher.submit(targets, signal);
  // With a queue, what a quota refused or a retry may still purge (throttling past every try, an internal error,
  // the deadline) waits for the flush instead of failing the record: SCF's two retries could run out, the queue
  // cannot. Without one, those fail the record (retryable ones make SCF retry it).
  const later = (failure: { quota: boolean; retryable: boolean }) =>
    config.queueBucket !== undefined && (failure.quota || failure.retryable);
  const refused = result.failed.filter(later);
  const failed = result.failed.filter((failure) => !later(failure));
  let queued = 0;
  if (refused.length > 0 && config.queueBucket) {
    const later: PurgeTargets = {
      urls: refused.filter((f) => f.kind === "url").map((f) => f.target),
      prefixes: refused.filter((f) => f.kind === "prefix").map((f) => f.target),
      prefetch: refused.filter((f) => f.kind === "prefetch").map((f) => f.target),
    };
    queued = await enqueue(resources.queue ?? cos, config.queueBucket, config.queuePrefix, later, id, signal);
  }
  if (failed.length > 0) throw new PurgeFailedError(failed);
  return {
    detail: {
      purged: result.purged.length,
      ...(result.prefetched.length > 0 && { prefetched: result.prefetched.length }),
      ...(queued > 0 && { queuedForFlush: queued }),
    },
  };
}
