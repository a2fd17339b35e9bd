import { createHash } from "node:crypto";
import { TRANSIENT_NETWORK_CODES } from "@cosfn/errors";
import type { SslOptions } from "mysql2";
import mysql from "mysql2/promise";
import {
  checkBatch,
  checkKey,
  checkLimit,
  checkPoolSize,
  checkTableName,
  historyDisabled,
  holdKey,
  inKeyOrder,
  observationFields,
  SCHEMA_VERSION,
  storeClosed,
} from "./checks.ts";
import { type ConnectionHandling, onConnection } from "./connection.ts";
import { type ErrorClass, ObjectStoreError, storeError, urlSecrets } from "./errors.ts";
import { KeyMutex } from "./key-mutex.ts";
import { type RetryOptions, retryTransient } from "./retry.ts";
import type { ChangeReason, HistoryEntry, ObjectIndexStore, ObjectRow, RowWrite } from "./types.ts";

export interface MysqlStoreOptions {
  /** `mysql://user:password@host:3306/database`; the password never appears in errors. MySQL 8 or MariaDB 10.5+. */
  url: string;
  /** The table; default `cos_objects`. Letters, digits and `_`, at most 48 characters. */
  table?: string;
  /** Also append every write to `<table>_history`, de-duplicated by `RowWrite.historyId`. Default false. */
  history?: boolean;
  /** Connections this instance may open, default 2 (instances x poolSize must stay under `max_connections`). */
  poolSize?: number;
  /** TLS options for mysql2 (`ca`, `rejectUnauthorized`...), or true for TLS with the system's CAs. */
  ssl?: boolean | SslOptions;
  /** Milliseconds to open a connection before failing transiently. Default 10,000. */
  connectTimeoutMs?: number;
  /** Seconds `withKey` waits for another holder of the key before failing transiently. Default 30. */
  lockTimeoutSeconds?: number;
  /** How `withKey`, `applyBatch`, `migrate` and reads retry a transient failure. Default 5 attempts from 25 ms. */
  retry?: RetryOptions;
}

/** Errors of mysql2, MySQL and MariaDB, classified. */
export function classifyMysqlError(error: unknown): ErrorClass {
  const fields = (error ?? {}) as { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown };
  const code = String(fields.code ?? "");
  const errno = Number(fields.errno ?? 0);
  if (errno === 1213 || errno === 1205 || code === "ER_LOCK_DEADLOCK" || code === "ER_LOCK_WAIT_TIMEOUT") {
    return { code: "DB_CONFLICT", transient: true };
  }
  if (errno === 1040 || errno === 1203 || code === "ER_CON_COUNT_ERROR") {
    return { code: "DB_TOO_MANY_CONNECTIONS", transient: true };
  }
  // 1927 ER_CONNECTION_KILLED (MariaDB), 1053 server shutdown, 1317 query interrupted, 4031 idle disconnect.
  if ([1927, 1053, 1317, 4031, 2006, 2013].includes(errno) || code.startsWith("PROTOCOL_") || fields.fatal === true) {
    return { code: "DB_CONNECTION", transient: true };
  }
  if (TRANSIENT_NETWORK_CODES.has(code) || /closed state|Connection lost/i.test(String(fields.message ?? ""))) {
    return { code: "DB_CONNECTION", transient: true };
  }
  return { code: "DB_ERROR", transient: false };
}

/** The GET_LOCK name of (table, bucket, key): `cosfn:` and 40 hex digits of SHA-1 (names are at most 64). */
export function mysqlLockName(table: string, bucket: string, key: string): string {
  return `cosfn:${createHash("sha1")
    .update(JSON.stringify([table, bucket, key]))
    .digest("hex")}`;
}

const COLUMNS =
  "bucket, `key`, size, etag, crc64, content_type, last_modified, storage_class, version_id, user_metadata, is_current, deleted_at, observed_at, reason, row_version";

const ROW_COLUMNS_DDL = `
  bucket VARCHAR(255) NOT NULL,
  \`key\` VARBINARY(850) NOT NULL,
  size BIGINT UNSIGNED NOT NULL,
  etag VARCHAR(255) NOT NULL,
  crc64 VARCHAR(32) NULL,
  content_type VARCHAR(1024) NULL,
  last_modified DATETIME(3) NULL,
  storage_class VARCHAR(64) NOT NULL,
  version_id VARCHAR(1024) NULL,
  user_metadata JSON NOT NULL,
  is_current TINYINT(1) NOT NULL,
  deleted_at DATETIME(3) NULL,
  observed_at DATETIME(3) NOT NULL,
  reason VARCHAR(32) NOT NULL,
  row_version BIGINT NOT NULL`;

type Conn = mysql.PoolConnection;

/**
 * The object index in MySQL or MariaDB, on `mysql2/promise`. The key is `VARBINARY(850)`: the exact UTF-8 bytes
 * COS has, compared and ordered as bytes, and (bucket, key) fits InnoDB's 3,072-byte index limit (a utf8mb4
 * VARCHAR(850) would need 3,400). Dates are `DATETIME(3)` in UTC: milliseconds are kept.
 *
 * Locking: InnoDB cannot lock a row that does not exist without gap locks, and two transactions' gap locks on the
 * same gap are compatible, so two writers of a new key would both insert and one would deadlock. `withKey`
 * therefore takes a named lock first, `GET_LOCK('cosfn:<sha1 of table, bucket, key>', lockTimeoutSeconds)`,
 * which serializes holders of one key across every instance whether or not the row exists; then, in a READ
 * COMMITTED transaction, it reads the row `FOR UPDATE` so that `applyBatch` (which takes no named locks) waits
 * for the holder instead of changing the row under it; after COMMIT it releases the named lock. The server
 * releases a named lock when its connection ends, so a killed holder frees it. (Named locks are local to one
 * server: on Galera or a proxy that spreads one session over servers, use the PostgreSQL driver.)
 * `applyBatch` is one transaction, one statement per write with its `row_version` condition, in key order.
 */
export function createMysqlStore(options: MysqlStoreOptions): ObjectIndexStore {
  const table = checkTableName(options.table);
  const history = options.history ?? false;
  const secrets = urlSecrets(options.url);
  const poolSize = checkPoolSize(table, options.poolSize);
  const lockTimeout = options.lockTimeoutSeconds ?? 30;
  const retry = options.retry ?? {};
  const t = `\`${table}\``;
  const h = `\`${table}_history\``;
  const schema = `\`${table}_schema\``;
  const ssl = options.ssl === true ? {} : options.ssl === false ? undefined : options.ssl;
  const pool = mysql.createPool({
    uri: options.url,
    connectionLimit: poolSize,
    maxIdle: poolSize,
    waitForConnections: true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    timezone: "Z",
    charset: "utf8mb4",
    supportBigNumbers: true,
    // affectedRows counts changed rows: an INSERT ... ON DUPLICATE KEY UPDATE that changes nothing counts 0.
    flags: ["-FOUND_ROWS"],
    ...(ssl === undefined ? {} : { ssl }),
  });
  const mutex = new KeyMutex();
  let closing: Promise<void> | undefined;

  const fail = (error: unknown, what: string, connectionLost: boolean) =>
    storeError(error, { table, what, secrets, classify: classifyMysqlError, connectionLost });

  const selectRow = `SELECT ${COLUMNS} FROM ${t} WHERE bucket = ? AND \`key\` = ?`;
  const statements = {
    updateUpsert: `UPDATE ${t} SET size = ?, etag = ?, crc64 = ?, content_type = ?, last_modified = ?, storage_class = ?, version_id = ?, user_metadata = ?, is_current = 1, deleted_at = NULL, observed_at = ?, reason = ?, row_version = row_version + 1 WHERE bucket = ? AND \`key\` = ? AND row_version = ?`,
    insertUpsert: `INSERT INTO ${t} (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, NULL, ?, ?, 1) ON DUPLICATE KEY UPDATE row_version = row_version`,
    // MySQL assigns left to right: deleted_at reads is_current before it is cleared.
    updateDelete: `UPDATE ${t} SET deleted_at = IF(is_current, ?, deleted_at), is_current = 0, observed_at = ?, reason = ?, row_version = row_version + 1 WHERE bucket = ? AND \`key\` = ? AND row_version = ?`,
    insertDelete: `INSERT INTO ${t} (${COLUMNS}) VALUES (?, ?, 0, '', NULL, NULL, NULL, '', NULL, '{}', 0, ?, ?, ?, 1) ON DUPLICATE KEY UPDATE row_version = row_version`,
    logHistory: `INSERT INTO ${h} (history_id, ${COLUMNS}) SELECT ?, ${COLUMNS} FROM ${t} WHERE bucket = ? AND \`key\` = ? ON DUPLICATE KEY UPDATE id = id`,
  };

  async function execute(db: Conn | mysql.Pool, sql: string, params: unknown[]): Promise<mysql.ResultSetHeader> {
    const [result] = await db.execute(sql, params as never[]);
    return result as mysql.ResultSetHeader;
  }

  async function rows(db: Conn | mysql.Pool, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
    const [result] = await db.execute(sql, params as never[]);
    return result as Record<string, unknown>[];
  }

  async function applyWrite(db: Conn, write: RowWrite, expectedVersion: number | null): Promise<boolean> {
    let result: mysql.ResultSetHeader;
    const bucket = write.kind === "upsert" ? write.observation.bucket : write.bucket;
    const key = Buffer.from(write.kind === "upsert" ? write.observation.key : write.key, "utf8");
    if (write.kind === "upsert") {
      const fields = [...observationFields(write.observation), write.observedAt, write.reason];
      result =
        expectedVersion === null
          ? await execute(db, statements.insertUpsert, [bucket, key, ...fields])
          : await execute(db, statements.updateUpsert, [...fields, bucket, key, expectedVersion]);
    } else {
      result =
        expectedVersion === null
          ? await execute(db, statements.insertDelete, [bucket, key, write.observedAt, write.observedAt, write.reason])
          : await execute(db, statements.updateDelete, [
              write.observedAt,
              write.observedAt,
              write.reason,
              bucket,
              key,
              expectedVersion,
            ]);
    }
    if (result.affectedRows !== 1) return false;
    if (history) await execute(db, statements.logHistory, [write.historyId ?? null, bucket, key]);
    return true;
  }

  const handling: Omit<ConnectionHandling<Conn>, "fail"> = {
    connect: () => pool.getConnection(),
    watch(conn, onLost) {
      conn.connection.on("error", onLost);
      return () => conn.connection.off("error", onLost);
    },
    rollback: (conn) => conn.rollback(),
    release: (conn, lost) => (lost ? conn.destroy() : conn.release()),
  };

  /** One attempt on one pooled connection: the named lock, a transaction, the lock's release. */
  function attempt<T>(what: string, lock: string | null, body: (db: Conn) => Promise<T>, transaction = true) {
    if (closing) return Promise.reject(storeClosed(table, what));
    let locked = false;
    return onConnection(
      { ...handling, fail: (error, lost) => fail(error, what, lost) },
      async (conn, state) => {
        if (lock !== null) {
          const [acquired] = await rows(conn, "SELECT GET_LOCK(?, ?) AS acquired", [lock, lockTimeout]);
          if (Number(acquired?.acquired) !== 1) {
            throw new ObjectStoreError(
              "DB_LOCK_TIMEOUT",
              table,
              `table ${table}: ${what}: another holder kept the key's lock for ${lockTimeout} s`,
              { transient: true },
            );
          }
          locked = true;
        }
        if (!transaction) return body(conn);
        await conn.query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
        await conn.beginTransaction();
        state.open = true;
        const result = await body(conn);
        await conn.commit();
        state.open = false;
        return result;
      },
      async (conn) => {
        if (locked) await conn.query("SELECT RELEASE_LOCK(?)", [lock]);
      },
    );
  }

  function read<T>(what: string, body: (db: Conn) => Promise<T>): Promise<T> {
    return retryTransient(() => attempt(what, null, body, false), retry);
  }

  const rowOf = async (db: Conn, bucket: string, key: string, forUpdate: boolean) => {
    const found = await rows(db, forUpdate ? `${selectRow} FOR UPDATE` : selectRow, [bucket, Buffer.from(key, "utf8")]);
    return found[0] ? mysqlRow(found[0]) : null;
  };

  return {
    kind: "mysql",

    async migrate() {
      const migrationLock = mysqlLockName(table, "", "migrate");
      await retryTransient(
        () =>
          attempt(
            "migrate",
            migrationLock,
            async (db) => {
              await db.query(
                `CREATE TABLE IF NOT EXISTS ${schema} (version INT NOT NULL PRIMARY KEY, applied_at DATETIME(3) NOT NULL) ENGINE=InnoDB`,
              );
              const [found] = await rows(db, `SELECT COALESCE(MAX(version), 0) AS version FROM ${schema}`, []);
              const current = Number(found?.version ?? 0);
              if (current > SCHEMA_VERSION) {
                throw new ObjectStoreError(
                  "SCHEMA_TOO_NEW",
                  table,
                  `table ${table}: schema version ${current} is newer than this code's ${SCHEMA_VERSION}; deploy the newer db-sync`,
                );
              }
              if (current < 1) {
                await db.query(
                  `CREATE TABLE IF NOT EXISTS ${t} (${ROW_COLUMNS_DDL},
  PRIMARY KEY (bucket, \`key\`),
  KEY \`${table}_tombstones\` (is_current, deleted_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
                );
                await execute(db, `INSERT IGNORE INTO ${schema} (version, applied_at) VALUES (?, ?)`, [1, new Date()]);
              }
              if (history) {
                await db.query(
                  `CREATE TABLE IF NOT EXISTS ${h} (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  history_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,${ROW_COLUMNS_DDL},
  UNIQUE KEY \`${table}_history_id\` (history_id),
  KEY \`${table}_history_key\` (bucket, \`key\`, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
                );
              }
            },
            false,
          ),
        retry,
      );
    },

    async withKey<T>(
      bucket: string,
      key: string,
      work: (current: ObjectRow | null) => Promise<{ write?: RowWrite; result: T }>,
    ): Promise<T> {
      checkKey(table, bucket, key);
      const what = `withKey on bucket ${bucket} key ${JSON.stringify(key)}`;
      const lock = mysqlLockName(table, bucket, key);
      return mutex.run(JSON.stringify([bucket, key]), () =>
        retryTransient(
          () =>
            attempt(what, lock, (db) =>
              holdKey(
                { table, bucket, key, what },
                () => rowOf(db, bucket, key, true),
                work,
                (write, expected) => applyWrite(db, write, expected),
              ),
            ),
          retry,
        ),
      );
    },

    get(bucket, key) {
      return read(`get of bucket ${bucket} key ${JSON.stringify(key)}`, (db) => rowOf(db, bucket, key, false));
    },

    async list(bucket, listOptions) {
      const params: unknown[] = [bucket];
      const where = ["bucket = ?"];
      if (listOptions.prefix !== undefined && listOptions.prefix !== "") {
        const low = Buffer.from(listOptions.prefix, "utf8");
        params.push(low);
        where.push("`key` >= ?");
        const high = byteSuccessor(low);
        if (high) {
          params.push(high);
          where.push("`key` < ?");
        }
      }
      if (listOptions.after !== undefined) {
        params.push(Buffer.from(listOptions.after, "utf8"));
        where.push("`key` > ?");
      }
      if (listOptions.includeDeleted !== true) where.push("is_current = 1");
      const limit = checkLimit(table, listOptions.limit);
      const sql = `SELECT ${COLUMNS} FROM ${t} WHERE ${where.join(" AND ")} ORDER BY \`key\` LIMIT ${limit}`;
      return read(`list of bucket ${bucket}`, async (db) => (await rows(db, sql, params)).map(mysqlRow));
    },

    async applyBatch(writes) {
      checkBatch(table, writes);
      if (writes.length === 0) return 0;
      const ordered = inKeyOrder(writes);
      return retryTransient(
        () =>
          attempt(`applyBatch of ${writes.length} writes`, null, async (db) => {
            let applied = 0;
            for (const { write, expectedVersion } of ordered) {
              if (await applyWrite(db, write, expectedVersion)) applied++;
            }
            return applied;
          }),
        retry,
      );
    },

    async history(bucket, key): Promise<HistoryEntry[]> {
      if (!history) throw historyDisabled(table);
      const sql = `SELECT history_id, ${COLUMNS} FROM ${h} WHERE bucket = ? AND \`key\` = ? ORDER BY id`;
      return read(`history of bucket ${bucket} key ${JSON.stringify(key)}`, async (db) =>
        (await rows(db, sql, [bucket, Buffer.from(key, "utf8")])).map((row) => ({
          ...mysqlRow(row),
          historyId: (row.history_id as string | null) ?? null,
        })),
      );
    },

    purgeTombstones(before) {
      return read(
        "purgeTombstones",
        async (db) =>
          (await execute(db, `DELETE FROM ${t} WHERE is_current = 0 AND deleted_at < ?`, [before])).affectedRows,
      );
    },

    connections() {
      // mysql2's promise pool wraps the callback pool, which keeps every open connection in _allConnections.
      const core = (pool as unknown as { pool: { _allConnections?: { length: number } } }).pool;
      return core._allConnections?.length ?? 0;
    },

    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

/** The smallest byte string greater than every string starting with `prefix`, or null when there is none. */
function byteSuccessor(prefix: Buffer): Buffer | null {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return null;
  const next = Buffer.from(prefix.subarray(0, end));
  next[end - 1] = (next[end - 1] ?? 0) + 1;
  return next;
}

function mysqlRow(row: Record<string, unknown>): ObjectRow {
  const key = row.key;
  const meta = row.user_metadata;
  return {
    bucket: String(row.bucket),
    key: Buffer.isBuffer(key) ? key.toString("utf8") : String(key),
    size: Number(row.size),
    etag: String(row.etag),
    crc64: (row.crc64 as string | null) ?? null,
    contentType: (row.content_type as string | null) ?? null,
    lastModified: (row.last_modified as Date | null) ?? null,
    storageClass: String(row.storage_class),
    versionId: (row.version_id as string | null) ?? null,
    // MySQL returns JSON parsed; MariaDB (JSON is LONGTEXT there) returns the text.
    userMetadata: (typeof meta === "string" ? JSON.parse(meta) : (meta ?? {})) as Record<string, string>,
    isCurrent: Number(row.is_current) === 1,
    deletedAt: (row.deleted_at as Date | null) ?? null,
    observedAt: row.observed_at as Date,
    reason: String(row.reason) as ChangeReason,
    rowVersion: Number(row.row_version),
  };
}
