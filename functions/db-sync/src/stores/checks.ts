import { ObjectStoreError } from "./errors.ts";
import { WorkFailure } from "./retry.ts";
import type { ConditionalWrite, ObjectRow, Observation, RowWrite } from "./types.ts";

/** The schema version this code writes and reads (every driver). */
export const SCHEMA_VERSION = 1;

/** The default table name. */
export const DEFAULT_TABLE = "cos_objects";

/** COS keys are at most 850 bytes of UTF-8. */
export const MAX_KEY_BYTES = 850;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * A table name every driver accepts unquoted-safe: a letter or `_`, then letters, digits and `_`, at most 48
 * characters (so `<table>_history` and `<table>_schema` fit PostgreSQL's 63 and MySQL's 64). Throws otherwise.
 */
export function checkTableName(table: string | undefined): string {
  const name = table ?? DEFAULT_TABLE;
  if (!IDENTIFIER.test(name)) {
    throw new ObjectStoreError(
      "INVALID_TABLE_NAME",
      name,
      `table name ${JSON.stringify(name)}: expected a letter or '_' then letters, digits or '_', at most 48 characters`,
    );
  }
  return name;
}

/** Throws `INVALID_KEY` for an empty bucket or key and `KEY_TOO_LONG` for a key over 850 bytes of UTF-8. */
export function checkKey(table: string, bucket: string, key: string): void {
  if (bucket === "" || key === "") {
    throw new ObjectStoreError("INVALID_KEY", table, `table ${table}: bucket and key must not be empty`);
  }
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > MAX_KEY_BYTES) {
    throw new ObjectStoreError(
      "KEY_TOO_LONG",
      table,
      `table ${table}: key ${JSON.stringify(key.slice(0, 64))}... is ${bytes} bytes of UTF-8; COS keys are at most ${MAX_KEY_BYTES}`,
    );
  }
}

/** The bucket and key a write is for. */
export function writeTarget(write: RowWrite): { bucket: string; key: string } {
  return write.kind === "upsert"
    ? { bucket: write.observation.bucket, key: write.observation.key }
    : { bucket: write.bucket, key: write.key };
}

/** Checks every write's key, and that no key appears twice in one batch (`DUPLICATE_KEY_IN_BATCH`). */
export function checkBatch(table: string, writes: readonly ConditionalWrite[]): void {
  const seen = new Set<string>();
  for (const { write } of writes) {
    const { bucket, key } = writeTarget(write);
    checkKey(table, bucket, key);
    const id = JSON.stringify([bucket, key]);
    if (seen.has(id)) {
      throw new ObjectStoreError(
        "DUPLICATE_KEY_IN_BATCH",
        table,
        `table ${table}: applyBatch got two writes for bucket ${bucket} key ${JSON.stringify(key)}; at most one per key`,
      );
    }
    seen.add(id);
  }
}

/** Throws `WRITE_KEY_MISMATCH` when `work` returned a write for another key than the one it holds. */
export function checkSameKey(table: string, write: RowWrite, bucket: string, key: string): void {
  const target = writeTarget(write);
  if (target.bucket !== bucket || target.key !== key) {
    throw new ObjectStoreError(
      "WRITE_KEY_MISMATCH",
      table,
      `table ${table}: withKey on bucket ${bucket} key ${JSON.stringify(key)} returned a write for bucket ${target.bucket} key ${JSON.stringify(target.key)}`,
    );
  }
}

/** The writes in byte order of (bucket, key): every batch takes its row locks in the same order. */
export function inKeyOrder(writes: readonly ConditionalWrite[]): ConditionalWrite[] {
  const sortKey = (write: ConditionalWrite) => {
    const { bucket, key } = writeTarget(write.write);
    return Buffer.concat([Buffer.from(bucket, "utf8"), Buffer.from([0]), Buffer.from(key, "utf8")]);
  };
  return writes
    .map((write) => ({ write, sort: sortKey(write) }))
    .sort((a, b) => Buffer.compare(a.sort, b.sort))
    .map((entry) => entry.write);
}

/**
 * The body of `withKey` once the key's lock is held, for every driver: reads the row, runs `work`, writes its
 * write conditional on the version read; when a conditional writer (`applyBatch`) created or changed the row
 * meanwhile, runs `work` again on the row as it is now (at most three times, then a transient `DB_CONFLICT`).
 * An error of `work` is wrapped in `WorkFailure` so that the driver passes it through untouched.
 */
export async function holdKey<T>(
  target: { table: string; bucket: string; key: string; what: string },
  readRow: () => Promise<ObjectRow | null>,
  work: (current: ObjectRow | null) => Promise<{ write?: RowWrite; result: T }>,
  applyWrite: (write: RowWrite, expectedVersion: number | null) => Promise<boolean>,
): Promise<T> {
  const { table, bucket, key, what } = target;
  for (let run = 1; ; run++) {
    const current = await readRow();
    let outcome: { write?: RowWrite; result: T };
    try {
      outcome = await work(current);
    } catch (error) {
      throw new WorkFailure(error);
    }
    if (!outcome.write) return outcome.result;
    checkSameKey(table, outcome.write, bucket, key);
    if (await applyWrite(outcome.write, current?.rowVersion ?? null)) return outcome.result;
    if (run >= 3) {
      throw new ObjectStoreError(
        "DB_CONFLICT",
        table,
        `table ${table}: ${what}: the row kept changing under the holder`,
        {
          transient: true,
        },
      );
    }
  }
}

/** The error of `history()` on a store without history. */
export function historyDisabled(table: string): ObjectStoreError {
  return new ObjectStoreError("HISTORY_DISABLED", table, `table ${table}: history is off (history: true turns it on)`);
}

/** The error of a call on a closed store. */
export function storeClosed(table: string, what: string): ObjectStoreError {
  return new ObjectStoreError("STORE_CLOSED", table, `table ${table}: ${what}: the store is closed`);
}

/** An object's columns in table order, as statement parameters: size to user_metadata (as JSON text). */
export function observationFields(o: Extract<Observation, { exists: true }>): unknown[] {
  return [
    o.size,
    o.etag,
    o.crc64,
    o.contentType,
    o.lastModified,
    o.storageClass,
    o.versionId,
    JSON.stringify(o.userMetadata),
  ];
}

/** A non-negative integer limit, or `INVALID_LIMIT`. */
export function checkLimit(table: string, limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ObjectStoreError("INVALID_LIMIT", table, `table ${table}: list limit ${limit}: expected an integer >= 0`);
  }
  return limit;
}

/** The pool size, default 2 per instance (SCF runs many instances: instances x size must fit the server). */
export function checkPoolSize(table: string, poolSize: number | undefined): number {
  const size = poolSize ?? 2;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new ObjectStoreError(
      "INVALID_POOL_SIZE",
      table,
      `table ${table}: poolSize ${size}: expected an integer >= 1`,
    );
  }
  return size;
}
