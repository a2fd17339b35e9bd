import { createHash } from "node:crypto";
import {
  checkBatch,
  checkKey,
  checkLimit,
  checkTableName,
  historyDisabled,
  holdKey,
  inKeyOrder,
  observationFields,
  SCHEMA_VERSION,
} from "./checks.ts";
import { ObjectStoreError } from "./errors.ts";
import type { ChangeReason, ConditionalWrite, HistoryEntry, ObjectIndexStore, ObjectRow, RowWrite } from "./types.ts";

/**
 * The SQL of the PostgreSQL dialect, shared by the `pg` driver (postgres.ts) and PGlite (pglite.ts): the schema,
 * its migrations, and every statement on the table, each written once here. Values are always parameters.
 */

/** What both drivers can run a statement on: a pooled `pg` client, a PGlite instance or transaction. */
export interface PgQueryable {
  query(text: string, params: unknown[]): Promise<{ rows: Record<string, unknown>[]; count: number }>;
}

/** `"name"`: the name was checked by `checkTableName`, so quoting is only for case. */
function q(name: string): string {
  return `"${name}"`;
}

const COLUMNS =
  "bucket, key, size, etag, crc64, content_type, last_modified, storage_class, version_id, user_metadata, is_current, deleted_at, observed_at, reason, row_version";

/** The columns of a row, in the table and in its history. */
const ROW_COLUMNS_DDL = `
  bucket text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  size bigint NOT NULL,
  etag text NOT NULL,
  crc64 text,
  content_type text,
  last_modified timestamptz,
  storage_class text NOT NULL,
  version_id text,
  user_metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  is_current boolean NOT NULL,
  deleted_at timestamptz,
  observed_at timestamptz NOT NULL,
  reason text NOT NULL,
  row_version bigint NOT NULL`;

/** The statements for one table. */
export interface PgStatements {
  table: string;
  /** Whether writes append to `<table>_history` (and take a history id as their last parameter). */
  history: boolean;
  /** Migrations by version: each an idempotent list of statements. */
  migrations: { version: number; statements: string[] }[];
  schemaTable: string;
  historyDdl: string[];
  /** The row, locked `FOR UPDATE` when inside a transaction. */
  selectRow: string;
  updateUpsert: string;
  insertUpsert: string;
  updateDelete: string;
  insertDelete: string;
  purge: string;
  selectHistory: string;
  /** The rows of many keys that have none yet, in one statement: one array parameter per column (see pgInsertMany). */
  insertMany: string;
}

/**
 * Every statement for `table`; with `history`, each write statement also appends the row it wrote to
 * `<table>_history` in the same statement (a data-modifying CTE), skipping a `history_id` already there.
 */
export function pgStatements(table: string, history: boolean): PgStatements {
  const t = q(table);
  const h = q(`${table}_history`);
  // Writes return the row they wrote; $history is the last parameter of each.
  const withHistory = (write: string, historyParam: number) =>
    history
      ? `WITH written AS (${write} RETURNING *), logged AS (INSERT INTO ${h} (history_id, ${COLUMNS}) SELECT $${historyParam}::text, ${COLUMNS} FROM written ON CONFLICT (history_id) DO NOTHING) SELECT row_version FROM written`
      : `${write} RETURNING row_version`;
  const insertMany = `INSERT INTO ${t} (${COLUMNS}) SELECT v.bucket, v.key, v.size, v.etag, v.crc64, v.content_type, v.last_modified, v.storage_class, v.version_id, v.user_metadata::jsonb, true, NULL, v.observed_at, v.reason, 1 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[], $10::text[], $11::timestamptz[], $12::text[]) AS v(bucket, key, size, etag, crc64, content_type, last_modified, storage_class, version_id, user_metadata, observed_at, reason) ON CONFLICT (bucket, key) DO NOTHING`;
  const objectFields =
    "size = $3, etag = $4, crc64 = $5, content_type = $6, last_modified = $7, storage_class = $8, version_id = $9, user_metadata = $10::jsonb";
  return {
    table,
    history,
    schemaTable: `${table}_schema`,
    migrations: [
      {
        version: 1,
        statements: [
          `CREATE TABLE IF NOT EXISTS ${t} (${ROW_COLUMNS_DDL},
  PRIMARY KEY (bucket, key)
)`,
          `CREATE INDEX IF NOT EXISTS ${q(`${table}_tombstones`)} ON ${t} (deleted_at) WHERE NOT is_current`,
        ],
      },
    ],
    historyDdl: [
      `CREATE TABLE IF NOT EXISTS ${h} (
  id bigserial PRIMARY KEY,
  history_id text UNIQUE,${ROW_COLUMNS_DDL}
)`,
      `CREATE INDEX IF NOT EXISTS ${q(`${table}_history_key`)} ON ${h} (bucket, key, id)`,
    ],
    selectRow: `SELECT ${COLUMNS} FROM ${t} WHERE bucket = $1 AND key = $2 FOR UPDATE`,
    // $1 bucket, $2 key, $3..$10 object fields, $11 observed_at, $12 reason, $13 expected version, $14 history id
    updateUpsert: withHistory(
      `UPDATE ${t} SET ${objectFields}, is_current = true, deleted_at = NULL, observed_at = $11, reason = $12, row_version = row_version + 1 WHERE bucket = $1 AND key = $2 AND row_version = $13`,
      14,
    ),
    // $1..$12 as above, $13 history id
    insertUpsert: withHistory(
      `INSERT INTO ${t} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, true, NULL, $11, $12, 1) ON CONFLICT (bucket, key) DO NOTHING`,
      13,
    ),
    // $1 bucket, $2 key, $3 observed_at, $4 reason, $5 expected version, $6 history id. A tombstone keeps the
    // object's last fields and the time it was first deleted.
    updateDelete: withHistory(
      `UPDATE ${t} SET is_current = false, deleted_at = CASE WHEN is_current THEN $3::timestamptz ELSE deleted_at END, observed_at = $3, reason = $4, row_version = row_version + 1 WHERE bucket = $1 AND key = $2 AND row_version = $5`,
      6,
    ),
    // $1 bucket, $2 key, $3 observed_at, $4 reason, $5 history id: the tombstone of a key never seen.
    insertDelete: withHistory(
      `INSERT INTO ${t} (${COLUMNS}) VALUES ($1, $2, 0, '', NULL, NULL, NULL, '', NULL, '{}'::jsonb, false, $3, $3, $4, 1) ON CONFLICT (bucket, key) DO NOTHING`,
      5,
    ),
    purge: `DELETE FROM ${t} WHERE NOT is_current AND deleted_at < $1`,
    // $1..$12 arrays: bucket, key, the object fields, observed_at, reason; $13 the history ids.
    insertMany: history
      ? `WITH written AS (${insertMany} RETURNING *), logged AS (INSERT INTO ${h} (history_id, ${COLUMNS}) SELECT ids.history_id, ${COLUMNS.split(
          ", ",
        )
          .map((column) => `w.${column}`)
          .join(
            ", ",
          )} FROM written w JOIN unnest($1::text[], $2::text[], $13::text[]) AS ids(bucket, key, history_id) ON ids.bucket COLLATE "C" = w.bucket AND ids.key COLLATE "C" = w.key ON CONFLICT (history_id) DO NOTHING) SELECT row_version FROM written`
      : `${insertMany} RETURNING row_version`,
    selectHistory: `SELECT history_id, ${COLUMNS} FROM ${h} WHERE bucket = $1 AND key = $2 ORDER BY id`,
  };
}

/** The list query for these options, with its parameters. */
export function pgListQuery(
  table: string,
  bucket: string,
  options: { prefix?: string; after?: string; limit: number; includeDeleted?: boolean },
): { text: string; params: unknown[] } {
  const params: unknown[] = [bucket];
  const where = ["bucket = $1"];
  if (options.prefix !== undefined && options.prefix !== "") {
    params.push(`${options.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`key LIKE $${params.length}`);
  }
  if (options.after !== undefined) {
    params.push(options.after);
    where.push(`key > $${params.length}`);
  }
  if (options.includeDeleted !== true) where.push("is_current");
  params.push(checkLimit(table, options.limit));
  return {
    text: `SELECT ${COLUMNS} FROM ${q(table)} WHERE ${where.join(" AND ")} ORDER BY key LIMIT $${params.length}`,
    params,
  };
}

/** The statement and parameters of a conditional write (`expectedVersion` null: only if there is no row). */
export function pgWrite(
  statements: PgStatements,
  write: RowWrite,
  expectedVersion: number | null,
): { text: string; params: unknown[] } {
  const historyId = statements.history ? [write.historyId ?? null] : [];
  if (write.kind === "upsert") {
    const o = write.observation;
    const fields = [o.bucket, o.key, ...observationFields(o), write.observedAt, write.reason];
    return expectedVersion === null
      ? { text: statements.insertUpsert, params: [...fields, ...historyId] }
      : { text: statements.updateUpsert, params: [...fields, expectedVersion, ...historyId] };
  }
  const fields = [write.bucket, write.key, write.observedAt, write.reason];
  return expectedVersion === null
    ? { text: statements.insertDelete, params: [...fields, ...historyId] }
    : { text: statements.updateDelete, params: [...fields, expectedVersion, ...historyId] };
}

/** Runs a conditional write; true when it applied. */
export async function pgApplyWrite(
  db: PgQueryable,
  statements: PgStatements,
  write: RowWrite,
  expectedVersion: number | null,
): Promise<boolean> {
  const { text, params } = pgWrite(statements, write, expectedVersion);
  const result = await db.query(text, params);
  return result.rows.length > 0;
}

/**
 * The rows of keys that have none yet (`expectedVersion` null upserts), in one statement: each column's values as
 * one array parameter, `unnest`ed into rows, in the order given; a key that has a row meanwhile is skipped. Returns
 * how many rows it wrote.
 */
export async function pgInsertMany(
  db: PgQueryable,
  statements: PgStatements,
  writes: readonly Extract<RowWrite, { kind: "upsert" }>[],
): Promise<number> {
  const columns: unknown[][] = Array.from({ length: 12 }, () => []);
  const historyIds: (string | null)[] = [];
  for (const write of writes) {
    const o = write.observation;
    const values = [o.bucket, o.key, ...observationFields(o), write.observedAt, write.reason];
    for (const [at, value] of values.entries()) (columns[at] as unknown[]).push(value);
    historyIds.push(write.historyId ?? null);
  }
  const { rows } = await db.query(statements.insertMany, statements.history ? [...columns, historyIds] : columns);
  return rows.length;
}

/** Creates or upgrades the schema (call under a lock that serializes migrations of the table). */
export async function pgMigrate(db: PgQueryable, statements: PgStatements, history: boolean): Promise<void> {
  const schema = q(statements.schemaTable);
  await db.query(
    `CREATE TABLE IF NOT EXISTS ${schema} (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    [],
  );
  const { rows } = await db.query(`SELECT coalesce(max(version), 0) AS version FROM ${schema}`, []);
  const current = Number(rows[0]?.version ?? 0);
  if (current > SCHEMA_VERSION) {
    throw new ObjectStoreError(
      "SCHEMA_TOO_NEW",
      statements.table,
      `table ${statements.table}: schema version ${current} is newer than this code's ${SCHEMA_VERSION}; deploy the newer db-sync`,
    );
  }
  for (const migration of statements.migrations) {
    if (migration.version <= current) continue;
    for (const statement of migration.statements) await db.query(statement, []);
    await db.query(`INSERT INTO ${schema} (version) VALUES ($1) ON CONFLICT (version) DO NOTHING`, [migration.version]);
  }
  if (history) for (const statement of statements.historyDdl) await db.query(statement, []);
}

function date(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

function metadata(value: unknown): Record<string, string> {
  if (typeof value === "string") return JSON.parse(value) as Record<string, string>;
  return (value ?? {}) as Record<string, string>;
}

/** A row as the PostgreSQL drivers return it, as an `ObjectRow` (bigint columns may come as strings). */
export function pgRow(row: Record<string, unknown>): ObjectRow {
  return {
    bucket: String(row.bucket),
    key: String(row.key),
    size: Number(row.size),
    etag: String(row.etag),
    crc64: (row.crc64 as string | null) ?? null,
    contentType: (row.content_type as string | null) ?? null,
    lastModified: date(row.last_modified),
    storageClass: String(row.storage_class),
    versionId: (row.version_id as string | null) ?? null,
    userMetadata: metadata(row.user_metadata),
    isCurrent: row.is_current === true,
    deletedAt: date(row.deleted_at),
    observedAt: date(row.observed_at) ?? new Date(Number.NaN),
    reason: String(row.reason) as ChangeReason,
    rowVersion: Number(row.row_version),
  };
}

/** A history row as a `HistoryEntry`. */
export function pgHistoryEntry(row: Record<string, unknown>): HistoryEntry {
  return { ...pgRow(row), historyId: (row.history_id as string | null) ?? null };
}

/**
 * The 64-bit advisory lock key of (table, bucket, key): the first 8 bytes of a SHA-256, as a signed bigint. In
 * `pg_locks` it shows as `classid` (high 32 bits), `objid` (low 32 bits), `objsubid` 1.
 */
export function advisoryLockKey(table: string, bucket: string, key: string): bigint {
  const digest = createHash("sha256")
    .update(JSON.stringify([table, bucket, key]))
    .digest();
  return digest.readBigInt64BE(0);
}

/** The advisory lock key that serializes migrations of a table. */
export function migrationLockKey(table: string): bigint {
  return advisoryLockKey(table, "", "migrate");
}

/** What a PostgreSQL-dialect driver supplies: how it runs statements, transactions and key locks. */
export interface PgDialectDriver {
  kind: "postgres" | "pglite";
  /** Runs `body` outside a transaction (reads, single statements), retried when it fails transiently. */
  read<T>(what: string, body: (db: PgQueryable) => Promise<T>): Promise<T>;
  /** Runs `body` in one transaction, retried as a whole when it fails transiently. */
  transaction<T>(what: string, body: (db: PgQueryable) => Promise<T>): Promise<T>;
  /** Runs `body` holding (bucket, key)'s lock (and the table's migration lock for `migrate`), retried likewise. */
  locked<T>(
    what: string,
    lock: { bucket: string; key: string } | "migrate",
    body: (db: PgQueryable) => Promise<T>,
  ): Promise<T>;
  connections(): number;
  close(): Promise<void>;
}

/** The store of a PostgreSQL-dialect driver: everything but connections and locks is here, once. */
export function createPgDialectStore(
  options: { table?: string | undefined; history?: boolean | undefined },
  makeDriver: (table: string) => PgDialectDriver,
): ObjectIndexStore {
  const table = checkTableName(options.table);
  const history = options.history ?? false;
  const statements = pgStatements(table, history);
  const driver = makeDriver(table);
  const rowOf = async (db: PgQueryable, bucket: string, key: string) => {
    const { rows } = await db.query(statements.selectRow, [bucket, key]);
    return rows[0] ? pgRow(rows[0]) : null;
  };
  return {
    kind: driver.kind,

    migrate: () => driver.locked("migrate", "migrate", (db) => pgMigrate(db, statements, history)),

    async withKey(bucket, key, work) {
      checkKey(table, bucket, key);
      const what = `withKey on bucket ${bucket} key ${JSON.stringify(key)}`;
      return driver.locked(what, { bucket, key }, (db) =>
        holdKey(
          { table, bucket, key, what },
          () => rowOf(db, bucket, key),
          work,
          (write, expected) => pgApplyWrite(db, statements, write, expected),
        ),
      );
    },

    get: (bucket, key) =>
      driver.read(`get of bucket ${bucket} key ${JSON.stringify(key)}`, (db) => rowOf(db, bucket, key)),

    list(bucket, listOptions) {
      const { text, params } = pgListQuery(table, bucket, listOptions);
      return driver.read(`list of bucket ${bucket}`, async (db) => (await db.query(text, params)).rows.map(pgRow));
    },

    async applyBatch(writes: readonly ConditionalWrite[]) {
      checkBatch(table, writes);
      if (writes.length === 0) return 0;
      const ordered = inKeyOrder(writes);
      // Rows for keys that have none (reconcile filling a table): one statement for all of them; the rest one
      // conditional statement each.
      const isInsert = (item: ConditionalWrite) => item.expectedVersion === null && item.write.kind === "upsert";
      const inserts = ordered.filter(isInsert).map((item) => item.write as Extract<RowWrite, { kind: "upsert" }>);
      return driver.transaction(`applyBatch of ${writes.length} writes`, async (db) => {
        let applied = inserts.length > 0 ? await pgInsertMany(db, statements, inserts) : 0;
        for (const item of ordered) {
          if (isInsert(item)) continue;
          if (await pgApplyWrite(db, statements, item.write, item.expectedVersion)) applied++;
        }
        return applied;
      });
    },

    async history(bucket, key): Promise<HistoryEntry[]> {
      if (!history) throw historyDisabled(table);
      return driver.read(`history of bucket ${bucket} key ${JSON.stringify(key)}`, async (db) =>
        (await db.query(statements.selectHistory, [bucket, key])).rows.map(pgHistoryEntry),
      );
    },

    purgeTombstones: (before) =>
      driver.read("purgeTombstones", async (db) => (await db.query(statements.purge, [before])).count),

    connections: () => driver.connections(),
    close: () => driver.close(),
  };
}
