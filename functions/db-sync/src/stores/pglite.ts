import { PGlite, type Transaction } from "@electric-sql/pglite";
import { storeClosed } from "./checks.ts";
import { storeError } from "./errors.ts";
import { KeyMutex } from "./key-mutex.ts";
import type { PgliteFolder } from "./pglite-folder.ts";
import { classifyPostgresError } from "./postgres.ts";
import { createPgDialectStore, type PgQueryable } from "./postgres-sql.ts";
import { type RetryOptions, retryTransient, WorkFailure } from "./retry.ts";
import type { ObjectIndexStore } from "./types.ts";

export interface PgliteStoreOptions {
  /** A folder for the database files; in memory when absent. One process at a time may open a folder. */
  dataDir?: string;
  /**
   * An open PGlite to use instead of starting one (a fresh instance takes seconds): several stores and tables
   * can share it, and share its key locks. `close()` leaves it open; its owner closes it.
   */
  pglite?: PGlite;
  /**
   * A folder shared with other processes (`PgliteFolder`): each operation runs while this process holds the folder's
   * lock, opening it if needed; the folder's owner releases it (`PgliteFolder.release`) between invocations.
   * `close()` leaves it to its owner.
   */
  folder?: PgliteFolder;
  /** The table; default `cos_objects`. */
  table?: string;
  /** Also append every write to `<table>_history`, de-duplicated by `RowWrite.historyId`. Default false. */
  history?: boolean;
  retry?: RetryOptions;
}

/**
 * The object index in PGlite, PostgreSQL in WebAssembly inside this process: the embedded default (`npm start`,
 * tests without servers), not a production target. Same SQL as the PostgreSQL driver (postgres-sql.ts). The
 * instance starts on first use.
 *
 * PGlite has one connection, and its transactions hold it exclusively, so `withKey` does not keep a transaction
 * open while `work` runs (a holder waiting on anything would stall every other key). The key's lock is an
 * in-process mutex per key instead, which is exact because no other process can open the same database; the
 * write is one statement (row and history together) conditional on the `row_version` that `work` saw, and
 * `work` runs again on the current row when `applyBatch` changed it meanwhile. `applyBatch` is one transaction.
 */
export function createPgliteStore(options: PgliteStoreOptions = {}): ObjectIndexStore {
  return createPgDialectStore(options, (table) => {
    const shared = options.folder ?? options.pglite;
    const mutex = shared ? sharedMutex(shared) : new KeyMutex();
    const retry = options.retry ?? {};
    let instance: Promise<PGlite> | undefined;
    let closed = false;

    const adapt = (db: PGlite | Transaction): PgQueryable => ({
      async query(text, params) {
        const result = await db.query<Record<string, unknown>>(text, params);
        return { rows: result.rows, count: result.affectedRows ?? 0 };
      },
    });

    function run<T>(what: string, body: (db: PgQueryable) => Promise<T>, transaction: boolean): Promise<T> {
      return retryTransient(async () => {
        if (closed) throw storeClosed(table, what);
        const on = (db: PGlite) => (transaction ? db.transaction((tx) => body(adapt(tx))) : body(adapt(db)));
        try {
          if (options.folder) return await options.folder.use(on);
          instance ??= options.pglite ? Promise.resolve(options.pglite) : PGlite.create(options.dataDir);
          return await on(await instance);
        } catch (error) {
          if (error instanceof WorkFailure) throw error.error;
          throw storeError(error, { table, what, secrets: [], classify: classifyPostgresError });
        }
      }, retry);
    }

    return {
      kind: "pglite",
      read: (what, body) => run(what, body, false),
      transaction: (what, body) => run(what, body, true),
      locked: (what, lock, body) =>
        lock === "migrate"
          ? mutex.run(JSON.stringify([table]), () => run(what, body, true))
          : mutex.run(JSON.stringify([table, lock.bucket, lock.key]), () => run(what, body, false)),
      connections: () => ((options.folder ? options.folder.open : instance !== undefined) && !closed ? 1 : 0),
      async close() {
        if (closed) return;
        closed = true;
        if (!options.pglite && !options.folder && instance) await (await instance).close();
      },
    };
  });
}

const mutexes = new WeakMap<object, KeyMutex>();

function sharedMutex(db: object): KeyMutex {
  let mutex = mutexes.get(db);
  if (!mutex) {
    mutex = new KeyMutex();
    mutexes.set(db, mutex);
  }
  return mutex;
}
