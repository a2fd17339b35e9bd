import type { CosClient, ListedObject } from "@cosfn/cos";
import type { TimerEvent } from "@cosfn/events";
import type { RecordContext, RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { observationFromListing, observe } from "./observe.ts";
import { readState, stateKey, writeState } from "./reconcile-state.ts";
import type { Resources } from "./resources.ts";
import { decideWrite } from "./row-write.ts";
import type { ConditionalWrite, ObjectIndexStore, ObjectRow, RowWrite } from "./stores/types.ts";

/** COS's order of keys (and the table's): the bytes of their UTF-8, not JavaScript's UTF-16 order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** HEADs in flight at once for the keys whose row is missing or holds another ETag. */
const HEAD_CONCURRENCY = 16;
/** Stop starting new batches when less than this is left before the deadline. */
const MIN_TIME_FOR_A_BATCH_MS = 2_000;

export interface ReconcileCounts {
  listed: number;
  rows: number;
  /** Rows written because the listing had an object the table did not (or had as a tombstone). */
  added: number;
  /** Rows rewritten because the object differs from the row. */
  updated: number;
  /** Rows marked deleted because the listing no longer has their object. */
  deleted: number;
  /** Repairs not applied because an event changed the row meanwhile (the event's write is newer). */
  superseded: number;
  /** Rows left alone because they were observed after the listing started. */
  newer: number;
  heads: number;
  purgedTombstones: number;
}

export interface ReconcileOptions {
  store: ObjectIndexStore;
  cos: CosClient;
  bucket: string;
  prefix: string;
  /** Keys under it are the function's own (its state) and never mirrored. */
  excludePrefix: string;
  batch: number;
  clockSkewMs: number;
  tombstoneRetentionMs: number;
  /** Exclusive start: the marker of an unfinished pass, or null for a new one. */
  after: string | null;
  /** Whether another batch may start; false stops the pass where it is. */
  mayContinue: () => boolean;
  /** Called with the last key compared after each batch, to save the marker. */
  checkpoint?: (after: string) => Promise<void>;
  now?: () => Date;
}

export interface ReconcileResult extends ReconcileCounts {
  complete: boolean;
  /** Where the pass stopped (exclusive), when not complete. */
  after: string | null;
}

/** The listing after `after` (COS's marker: an unfinished pass resumes there), without the excluded prefix. */
async function* listAfter(
  cos: CosClient,
  bucket: string,
  prefix: string,
  after: string | null,
  excludePrefix: string,
): AsyncGenerator<ListedObject> {
  for await (const entry of cos.list(bucket, { prefix, ...(after !== null && { marker: after }) })) {
    if (excludePrefix && entry.key.startsWith(excludePrefix)) continue;
    yield entry;
  }
}

/** Rows with after < key <= upTo (upTo null: to the end), in byte order, tombstones included. */
async function rowsBetween(options: ReconcileOptions, after: string | null, upTo: string | null): Promise<ObjectRow[]> {
  const rows: ObjectRow[] = [];
  let cursor = after;
  for (;;) {
    const page = await options.store.list(options.bucket, {
      ...(options.prefix && { prefix: options.prefix }),
      ...(cursor !== null && { after: cursor }),
      limit: options.batch,
      includeDeleted: true,
    });
    for (const row of page) {
      if (upTo !== null && compareKeys(row.key, upTo) > 0) return rows;
      if (!(options.excludePrefix && row.key.startsWith(options.excludePrefix))) rows.push(row);
    }
    if (page.length < options.batch) return rows;
    cursor = (page.at(-1) as ObjectRow).key;
  }
}

async function mapLimited<T, U>(items: readonly T[], limit: number, work: (item: T) => Promise<U>): Promise<U[]> {
  const results = new Array<U>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * One pass (or the rest of one) of the bucket's listing against the table, side by side in key order, in batches:
 * - an object with no row, a tombstone, or a row of another ETag or size: HEAD it and write what the HEAD saw;
 * - an object whose row has its ETag and size but another storage class: the row takes the listing's;
 * - a current row whose object the listing lacks: marked deleted;
 * each only when the row was observed at least `clockSkewMs` before the listing started (a row observed later can
 * be newer than the listing), and each a conditional write on the row's version as read, so a row an event wrote
 * meanwhile is not overwritten. Tombstones older than the retention are purged first.
 */
export async function reconcileBucket(options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? (() => new Date());
  const listingStartedAt = now();
  const olderThan = listingStartedAt.getTime() - options.clockSkewMs;
  const counts: ReconcileCounts = {
    listed: 0,
    rows: 0,
    added: 0,
    updated: 0,
    deleted: 0,
    superseded: 0,
    newer: 0,
    heads: 0,
    purgedTombstones: await options.store.purgeTombstones(
      new Date(listingStartedAt.getTime() - options.tombstoneRetentionMs),
    ),
  };
  const listing = listAfter(options.cos, options.bucket, options.prefix, options.after, options.excludePrefix);
  let cursor = options.after;
  let exhausted = false;
  while (!exhausted) {
    if (!options.mayContinue()) return { ...counts, complete: false, after: cursor };
    const chunk: ListedObject[] = [];
    while (chunk.length < options.batch) {
      const next = await listing.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      chunk.push(next.value);
    }
    const upTo = exhausted ? null : (chunk.at(-1) as ListedObject).key;
    const rows = await rowsBetween(options, cursor, upTo);
    counts.listed += chunk.length;
    counts.rows += rows.length;
    await repair(options, chunk, rows, olderThan, counts, now);
    if (upTo === null) break;
    cursor = upTo;
    await options.checkpoint?.(cursor);
  }
  return { ...counts, complete: true, after: null };
}

async function repair(
  options: ReconcileOptions,
  listed: ListedObject[],
  rows: ObjectRow[],
  olderThan: number,
  counts: ReconcileCounts,
  now: () => Date,
): Promise<void> {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const writes: { write: ConditionalWrite; counter: "added" | "updated" | "deleted" }[] = [];
  const conditional = (row: ObjectRow | undefined, write: RowWrite) => ({
    expectedVersion: row ? row.rowVersion : null,
    write,
  });
  const toHead: { entry: ListedObject; row: ObjectRow | undefined }[] = [];
  for (const entry of listed) {
    const row = byKey.get(entry.key);
    byKey.delete(entry.key);
    if (row && row.observedAt.getTime() >= olderThan) {
      counts.newer++;
      continue;
    }
    if (!row?.isCurrent || row.etag !== entry.etag || row.size !== entry.size) {
      toHead.push({ entry, row });
      continue;
    }
    if (row.storageClass !== (entry.storageClass || "STANDARD")) {
      const observation = observationFromListing(options.bucket, entry, row);
      const write: RowWrite = { kind: "upsert", observation, observedAt: now(), reason: "reconciled" };
      writes.push({ write: conditional(row, write), counter: "updated" });
    }
  }
  const observed = await mapLimited(toHead, HEAD_CONCURRENCY, async ({ entry, row }) => {
    counts.heads++;
    const seen = await observe(options.cos, options.bucket, entry.key);
    return { row, write: decideWrite(row ?? null, seen, now()) };
  });
  for (const { row, write } of observed) {
    if (!write) continue;
    const counter = write.kind === "delete" ? "deleted" : row?.isCurrent ? "updated" : "added";
    writes.push({ write: conditional(row, write), counter });
  }
  // Rows the listing lacks: their objects are gone (unless observed after the listing began).
  for (const row of byKey.values()) {
    if (!row.isCurrent) continue;
    if (row.observedAt.getTime() >= olderThan) {
      counts.newer++;
      continue;
    }
    const write: RowWrite = {
      kind: "delete",
      bucket: row.bucket,
      key: row.key,
      observedAt: now(),
      reason: "reconciled",
    };
    writes.push({ write: conditional(row, write), counter: "deleted" });
  }
  // One conditional batch per kind, so the counts say what was applied; the rest an event superseded.
  for (const counter of ["added", "updated", "deleted"] as const) {
    const ofKind = writes.filter((item) => item.counter === counter).map((item) => item.write);
    for (let at = 0; at < ofKind.length; at += options.batch) {
      const slice = ofKind.slice(at, at + options.batch);
      const applied = await options.store.applyBatch(slice);
      counts[counter] += applied;
      counts.superseded += slice.length - applied;
    }
  }
}

/**
 * The timer's work: reconciles `RECONCILE_BUCKET` (under `KEY_PREFIX`) with the table, resuming from the marker an
 * earlier invocation saved, and stops before the deadline, saving where it stopped. Reports the counts.
 */
export async function reconcileOnTimer(
  _event: TimerEvent,
  context: RecordContext<Config, Resources>,
): Promise<RecordResult> {
  const { config, resources, cos, signal, timeLeft, log } = context;
  const bucket = config.reconcileBucket;
  if (!bucket) return { skipped: "no RECONCILE_BUCKET: nothing to reconcile" };
  const key = stateKey(config.statePrefix, config.table);
  const saved = await readState(cos, bucket, key);
  const passStartedAt = (saved?.after && saved.passStartedAt) || new Date().toISOString();
  const result = await reconcileBucket({
    store: resources.store,
    cos,
    bucket,
    prefix: config.keyPrefix,
    excludePrefix: config.statePrefix,
    batch: config.reconcileBatch,
    clockSkewMs: config.clockSkewMs,
    tombstoneRetentionMs: config.tombstoneRetentionMs,
    after: saved?.after ?? null,
    mayContinue: () => !signal.aborted && timeLeft() > MIN_TIME_FOR_A_BATCH_MS,
    checkpoint: (after) => writeState(cos, bucket, key, { after, passStartedAt }),
  });
  if (result.complete) await writeState(cos, bucket, key, { after: null, passStartedAt: null });
  const detail = { ...result, resumedFrom: saved?.after ?? null, passStartedAt };
  log.info(result.complete ? "reconcile pass complete" : "reconcile stopped before the deadline", detail);
  return { detail };
}
