import type { CosClient, ListedObject } from "@cosfn/cos";
import type { TimerEvent } from "@cosfn/events";
import type { RecordContext, RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { latestInventoryManifest, readInventoryEntries, readInventoryManifest } from "./inventory.ts";
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

/**
 * What a pass does with an object whose row is missing, a tombstone, or of another ETag or size:
 * - `next-pass`: writes the row from the source at once (ETag, size, Last-Modified, storage class, and CRC-64 when an
 *   inventory has it), with no content type: "details not yet observed". Any later pass HEADs such a row and fills in
 *   its CRC-64, content type, version id and metadata. No HEAD for the object in this pass.
 * - `at-once`: HEADs it (16 at once) and writes what the HEAD saw, complete.
 */
export type ReconcileDetails = "next-pass" | "at-once";

/** One object as the source of a pass tells it: COS's listing, or a COS Inventory report (which may add CRC-64). */
export interface SourceEntry extends ListedObject {
  crc64?: string | null;
}

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
  /** Rows of the right ETag and size whose CRC-64, content type, version id and metadata a HEAD filled in. */
  detailed: number;
  /** Rows written from the source alone (`next-pass`): their details wait for a later pass's HEAD. */
  awaitingDetails: number;
  heads: number;
  purgedTombstones: number;
}

export interface ReconcileOptions {
  store: ObjectIndexStore;
  /** For the HEADs, and the listing when there is no `source`. */
  cos: CosClient;
  bucket: string;
  /**
   * The objects in byte order of their keys, after `after` (exclusive), under `prefix` and outside `excludePrefix`;
   * default: COS's listing of `bucket`.
   */
  source?: (after: string | null) => AsyncIterable<SourceEntry>;
  /**
   * When the source's picture of the bucket was taken (an inventory report's scan); default: when the pass started
   * (a listing is read live). Rows observed later than this minus `clockSkewMs` are left alone.
   */
  snapshotAt?: Date;
  /** Default `next-pass`. */
  details?: ReconcileDetails;
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
): AsyncGenerator<SourceEntry> {
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
 * One pass (or the rest of one) of the bucket's listing (or another source) against the table, side by side in key
 * order, in batches:
 * - an object with no row, a tombstone, or a row of another ETag or size: written from the source with its details
 *   (content type, version id, metadata) left to a later pass (`next-pass`), or HEADed and written as the HEAD saw
 *   it (`at-once`);
 * - an object whose row has its ETag and size but no content type (written from a source, details not yet
 *   observed): HEADed, and its details filled in;
 * - an object whose row has its ETag and size but another storage class: the row takes the source's;
 * - a current row whose object the source lacks: marked deleted;
 * each only when the row was observed at least `clockSkewMs` before the source's picture was taken (the listing's
 * start, or the inventory's scan; a row observed later can be newer than it), and each a conditional write on the
 * row's version as read, so a row an event wrote meanwhile is not overwritten. Tombstones older than the retention
 * are purged first.
 */
export async function reconcileBucket(options: ReconcileOptions): Promise<ReconcileResult> {
  const now = options.now ?? (() => new Date());
  const listingStartedAt = now();
  const olderThan = (options.snapshotAt ?? listingStartedAt).getTime() - options.clockSkewMs;
  const counts: ReconcileCounts = {
    listed: 0,
    rows: 0,
    added: 0,
    updated: 0,
    deleted: 0,
    superseded: 0,
    newer: 0,
    detailed: 0,
    awaitingDetails: 0,
    heads: 0,
    purgedTombstones: await options.store.purgeTombstones(
      new Date(listingStartedAt.getTime() - options.tombstoneRetentionMs),
    ),
  };
  const listing = (
    options.source
      ? options.source(options.after)
      : listAfter(options.cos, options.bucket, options.prefix, options.after, options.excludePrefix)
  )[Symbol.asyncIterator]();
  let cursor = options.after;
  let exhausted = false;
  while (!exhausted) {
    if (!options.mayContinue()) return { ...counts, complete: false, after: cursor };
    const chunk: SourceEntry[] = [];
    while (chunk.length < options.batch) {
      const next = await listing.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      chunk.push(next.value);
    }
    const upTo = exhausted ? null : (chunk.at(-1) as SourceEntry).key;
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

type Counter = "added" | "updated" | "deleted" | "detailed";

async function repair(
  options: ReconcileOptions,
  listed: SourceEntry[],
  rows: ObjectRow[],
  olderThan: number,
  counts: ReconcileCounts,
  now: () => Date,
): Promise<void> {
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const writes: { write: ConditionalWrite; counter: Counter }[] = [];
  const conditional = (row: ObjectRow | undefined, write: RowWrite) => ({
    expectedVersion: row ? row.rowVersion : null,
    write,
  });
  const fromSource = (entry: SourceEntry, row: ObjectRow | undefined): RowWrite => ({
    kind: "upsert",
    observation: observationFromListing(options.bucket, entry, row ?? null),
    observedAt: now(),
    reason: "reconciled",
  });
  const toHead: { entry: SourceEntry; row: ObjectRow | undefined }[] = [];
  for (const entry of listed) {
    const row = byKey.get(entry.key);
    byKey.delete(entry.key);
    if (row && row.observedAt.getTime() >= olderThan) {
      counts.newer++;
      continue;
    }
    if (!row?.isCurrent || row.etag !== entry.etag || row.size !== entry.size) {
      if (options.details === "at-once") toHead.push({ entry, row });
      else {
        writes.push({
          write: conditional(row, fromSource(entry, undefined)),
          counter: row?.isCurrent ? "updated" : "added",
        });
        counts.awaitingDetails++;
      }
      continue;
    }
    // The right object, but written from a listing or an inventory: its details are still to be observed.
    if (row.contentType === null) {
      toHead.push({ entry, row });
      continue;
    }
    if (row.storageClass !== (entry.storageClass || "STANDARD")) {
      writes.push({ write: conditional(row, fromSource(entry, row)), counter: "updated" });
    }
  }
  const observed = await mapLimited(toHead, HEAD_CONCURRENCY, async ({ entry, row }) => {
    counts.heads++;
    const seen = await observe(options.cos, options.bucket, entry.key);
    return { row, seen, write: decideWrite(row ?? null, seen, now()) };
  });
  for (const { row, seen, write } of observed) {
    if (!write) continue;
    const sameObject = row?.isCurrent && seen.exists && seen.etag === row.etag && seen.size === row.size;
    const counter =
      write.kind === "delete" ? "deleted" : sameObject ? "detailed" : row?.isCurrent ? "updated" : "added";
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
  for (const counter of ["added", "updated", "deleted", "detailed"] as const) {
    const ofKind = writes.filter((item) => item.counter === counter).map((item) => item.write);
    for (let at = 0; at < ofKind.length; at += options.batch) {
      const slice = ofKind.slice(at, at + options.batch);
      const applied = await options.store.applyBatch(slice);
      counts[counter] += applied;
      counts.superseded += slice.length - applied;
    }
  }
}

/** The source of a timer's pass: COS's listing (the default), or the inventory report the pass reads. */
async function passSource(
  config: Config,
  cos: CosClient,
  savedReport: string | null | undefined,
): Promise<(Pick<ReconcileOptions, "source" | "snapshotAt"> & { report: string | null }) | { skipped: string }> {
  if (config.reconcileSource === "listing") return { report: null };
  const bucket = config.inventoryBucket as string;
  const manifestKey = savedReport ?? (await latestInventoryManifest(cos, bucket, config.inventoryPrefix));
  if (!manifestKey) return { skipped: `no COS Inventory report under cos://${bucket}/${config.inventoryPrefix} yet` };
  const report = await readInventoryManifest(cos, bucket, manifestKey);
  const filter = { prefix: config.keyPrefix, excludePrefix: config.statePrefix };
  const entries = await readInventoryEntries(cos, report, filter);
  return {
    report: manifestKey,
    snapshotAt: report.snapshotAt,
    source: async function* (after) {
      for (const entry of entries) if (after === null || compareKeys(entry.key, after) > 0) yield entry;
    },
  };
}

/**
 * The timer's work: reconciles `RECONCILE_BUCKET` (under `KEY_PREFIX`) with the table, from COS's listing or the
 * newest COS Inventory report (`RECONCILE_SOURCE`), resuming from the marker an earlier invocation saved, and stops
 * before the deadline, saving where it stopped. Reports the counts.
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
  const source = await passSource(config, cos, saved?.after ? saved.report : null);
  if ("skipped" in source) return source;
  const { report, ...from } = source;
  const result = await reconcileBucket({
    store: resources.store,
    cos,
    bucket,
    ...from,
    details: config.reconcileDetails,
    prefix: config.keyPrefix,
    excludePrefix: config.statePrefix,
    batch: config.reconcileBatch,
    clockSkewMs: config.clockSkewMs,
    tombstoneRetentionMs: config.tombstoneRetentionMs,
    after: saved?.after ?? null,
    mayContinue: () => !signal.aborted && timeLeft() > MIN_TIME_FOR_A_BATCH_MS,
    checkpoint: (after) => writeState(cos, bucket, key, { after, passStartedAt, report }),
  });
  if (result.complete) await writeState(cos, bucket, key, { after: null, passStartedAt: null, report: null });
  const detail = {
    ...result,
    resumedFrom: saved?.after ?? null,
    passStartedAt,
    source: report ? `inventory ${report}` : "listing",
  };
  log.info(result.complete ? "reconcile pass complete" : "reconcile stopped before the deadline", detail);
  return { detail };
}
