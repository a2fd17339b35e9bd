import { createHash } from "node:crypto";
import type { ConnectionOptions } from "node:tls";
import { TRANSIENT_NETWORK_CODES } from "@cosfn/errors";
import pg from "pg";
import { checkPoolSize, storeClosed } from "./checks.ts";
import { type ConnectionHandling, onConnection } from "./connection.ts";
import { type ErrorClass, storeError, urlSecrets } from "./errors.ts";
import { KeyMutex } from "./key-mutex.ts";
import { advisoryLockKey, createPgDialectStore, migrationLockKey, type PgQueryable } from "./postgres-sql.ts";
import { type RetryOptions, retryTransient } from "./retry.ts";
import type { ObjectIndexStore } from "./types.ts";

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database` (or `postgresql://`); the password never appears in errors. */
  url: string;
  /** The table; default `cos_objects`. Letters, digits and `_`, at most 48 characters. */
  table?: string;
  /** Also append every write to `<table>_history`, de-duplicated by `RowWrite.historyId`. Default false. */
  history?: boolean;
  /**
   * Connections this instance may open, default 2. SCF runs one instance per concurrent invocation, so the
   * database sees up to (instances x poolSize) connections: keep that under its `max_connections`.
   */
  poolSize?: number;
  /** TLS: true, or Node's TLS options (`ca`, `rejectUnauthorized`...). Default: as the URL says (`sslmode`). */
  ssl?: boolean | ConnectionOptions;
  /** Milliseconds to wait for a connection (pool full or server slow) before failing transiently. Default 10,000. */
  connectTimeoutMs?: number;
  /** How `withKey`, `applyBatch`, `migrate` and reads retry a transient failure. Default 5 attempts from 25 ms. */
  retry?: RetryOptions;
}

const statementNames = new Map<string, string>();

/** The prepared statement's name for a statement's text: `ds_` and 24 hex digits of its SHA-1. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `ds_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Errors of `pg` and PostgreSQL (and PGlite, which reports the same SQLSTATEs), classified. */
export function classifyPostgresError(error: unknown): ErrorClass {
  const code = String((error as { code?: unknown } | null)?.code ?? "");
  const message = String((error as { message?: unknown } | null)?.message ?? "");
  if (code === "40001" || code === "40P01" || code === "55P03") return { code: "DB_CONFLICT", transient: true };
  if (code === "53300" || code === "53400") return { code: "DB_TOO_MANY_CONNECTIONS", transient: true };
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || code === "57P05") {
    return { code: "DB_CONNECTION", transient: true };
  }
  if (TRANSIENT_NETWORK_CODES.has(code)) return { code: "DB_CONNECTION", transient: true };
  if (/Connection terminated|not queryable|Client was closed|timeout exceeded when trying to connect/i.test(message)) {
    return { code: "DB_CONNECTION", transient: true };
  }
  return { code: "DB_ERROR", transient: false };
}

/**
 * The object index in PostgreSQL, on `pg`. Keys are `text COLLATE "C"`: stored exactly, compared and listed in
 * byte order of their UTF-8, primary key (bucket, key).
 *
 * Locking: `withKey` runs one transaction that takes `pg_advisory_xact_lock` on a 64-bit hash of (table, bucket,
 * key), so holders of one key serialize across every instance even when the row does not exist yet (a row lock
 * alone cannot lock a missing row), then reads the row `FOR UPDATE` so that `applyBatch` (which takes no advisory
 * locks) waits for the holder instead of changing the row under it. The lock ends with the transaction: a killed
 * connection frees it. Holders of one key in the same instance queue in-process first, so they use one pooled
 * connection, not one each. `applyBatch` is one transaction, one statement per write with its `row_version`
 * condition, in byte order of the keys (so two batches lock rows in the same order). A transaction that fails
 * transiently (connection reset or killed, deadlock, serialization failure, too many connections) is retried
 * whole on a new connection; the failed connection is destroyed, never returned to the pool.
 */
export function createPostgresStore(options: PostgresStoreOptions): ObjectIndexStore {
  return createPgDialectStore(options, (table) => {
    const secrets = urlSecrets(options.url);
    const poolSize = checkPoolSize(table, options.poolSize);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    });
    // An idle connection the server closes (a restart, a kill) is dropped by the pool; without a listener the
    // error event would end the process.
    pool.on("error", () => {});
    const mutex = new KeyMutex();
    const retry = options.retry ?? {};
    let closing: Promise<void> | undefined;

    const fail = (error: unknown, what: string, connectionLost: boolean) =>
      storeError(error, { table, what, secrets, classify: classifyPostgresError, connectionLost });

    const adapt = (client: pg.PoolClient | pg.Pool): PgQueryable => ({
      async query(text, params) {
        // A statement with parameters is prepared once per connection (named by its text's hash) and then only
        // bound and executed: PostgreSQL parses and plans each of the few statements once per connection.
        const result =
          params.length > 0
            ? await client.query({ name: statementName(text), text, values: params })
            : await client.query(text);
        return { rows: result.rows as Record<string, unknown>[], count: result.rowCount ?? 0 };
      },
    });

    const handling: Omit<ConnectionHandling<pg.PoolClient>, "fail"> = {
      connect: () => pool.connect(),
      watch(client, onLost) {
        client.on("error", onLost);
        return () => client.off("error", onLost);
      },
      rollback: async (client) => {
        await client.query("ROLLBACK");
      },
      release: (client, lost) => client.release(lost ? true : undefined),
    };

    /** One attempt of a transaction on one pooled connection; a connection that failed is destroyed. */
    function attempt<T>(what: string, lock: bigint | null, body: (db: PgQueryable) => Promise<T>): Promise<T> {
      if (closing) return Promise.reject(storeClosed(table, what));
      return onConnection(
        { ...handling, fail: (error, lost) => fail(error, what, lost) },
        async (client, transaction) => {
          transaction.open = true;
          // One round trip for both: the lock is a number this code computed (a bigint's digits), not input.
          await client.query(
            lock === null ? "BEGIN" : `BEGIN; SELECT pg_advisory_xact_lock(${lock.toString()}::bigint)`,
          );
          const result = await body(adapt(client));
          await client.query("COMMIT");
          transaction.open = false;
          return result;
        },
      );
    }

    return {
      kind: "postgres",
      read(what, body) {
        if (closing) return Promise.reject(storeClosed(table, what));
        return retryTransient(async () => {
          try {
            return await body(adapt(pool));
          } catch (error) {
            throw fail(error, what, false);
          }
        }, retry);
      },
      transaction: (what, body) => retryTransient(() => attempt(what, null, body), retry),
      locked(what, lock, body) {
        if (lock === "migrate") return retryTransient(() => attempt(what, migrationLockKey(table), body), retry);
        const { bucket, key } = lock;
        return mutex.run(JSON.stringify([bucket, key]), () =>
          retryTransient(() => attempt(what, advisoryLockKey(table, bucket, key), body), retry),
        );
      },
      connections: () => pool.totalCount,
      close() {
        closing ??= pool.end();
        return closing;
      },
    };
  });
}
