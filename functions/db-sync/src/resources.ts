import type { SetupContext } from "@cosfn/runtime";
import { PGlite } from "@electric-sql/pglite";
import { type Config, describeDatabaseUrl } from "./config.ts";
import { createMysqlStore } from "./stores/mysql.ts";
import { createPgliteStore } from "./stores/pglite.ts";
import { PgliteFolder } from "./stores/pglite-folder.ts";
import { createPostgresStore } from "./stores/postgres.ts";
import type { ObjectIndexStore } from "./stores/types.ts";

/** What a warm instance keeps: the store and its pool, migrated once. */
export interface Resources {
  store: ObjectIndexStore;
}

/**
 * The drivers' TLS options for a `DB_TLS` mode: `off` sends nothing (the URL's own `sslmode`/`ssl` still applies),
 * `require` encrypts without checking the certificate, `verify` checks it against the system's CAs and the host.
 */
export function tlsOptions(tls: Config["tls"]): { ssl?: { rejectUnauthorized: boolean } } {
  return tls === "off" ? {} : { ssl: { rejectUnauthorized: tls === "verify" } };
}

const PGLITE_REGISTRY = Symbol.for("cosfn.db-sync.pglite");

/** The process's embedded databases: the in-memory one (`pglite:`) and one `PgliteFolder` per `pglite:<dir>`. */
function pgliteRegistry(): Map<string, PGlite | PgliteFolder> {
  const global = globalThis as Record<symbol, unknown>;
  global[PGLITE_REGISTRY] ??= new Map<string, PGlite | PgliteFolder>();
  return global[PGLITE_REGISTRY] as Map<string, PGlite | PgliteFolder>;
}

/**
 * One embedded database per location in a process, so that the instances of tests (and of a process running
 * several) share it as SCF instances share a server: `pglite:` is one in-memory PGlite; `pglite:<dir>` one
 * `PgliteFolder`, which other processes share through its lock file (`cosfn dev` runs each invocation in a process
 * of its own).
 */
export function sharedPglite(url: string): PGlite | PgliteFolder {
  const registry = pgliteRegistry();
  const dataDir = url.replace(/^pglite:/i, "");
  let db = registry.get(dataDir);
  if (!db) {
    db = dataDir ? new PgliteFolder(dataDir) : new PGlite();
    registry.set(dataDir, db);
  }
  return db;
}

/** Closes the `pglite:<dir>` folders this process holds and gives them back to other processes (see below). */
export async function releaseEmbeddedFolders(): Promise<void> {
  const folders = [...pgliteRegistry().values()].filter((db) => db instanceof PgliteFolder);
  await Promise.all(folders.map((folder) => folder.release()));
}

/**
 * The handler, giving back the `pglite:<dir>` folder at the end of each invocation (its next operation opens it
 * again): simultaneous invocations in simultaneous processes (`cosfn dev`) then take turns on the folder instead of
 * corrupting it. Nothing to do for a server database.
 */
export function releasingEmbeddedFolders<E, X, T>(handler: (event: E, context: X) => Promise<T>) {
  return async (event: E, context: X): Promise<T> => {
    try {
      return await handler(event, context);
    } finally {
      await releaseEmbeddedFolders();
    }
  };
}

/** The configured driver's store, with the pool `DB_POOL_SIZE` allows. */
export function createStore(config: Config): ObjectIndexStore {
  const common = { table: config.table, history: config.history, poolSize: config.poolSize };
  switch (config.dbKind) {
    case "postgres":
      return createPostgresStore({ ...common, url: config.dbUrl, ...tlsOptions(config.tls) });
    case "mysql":
      return createMysqlStore({ ...common, url: config.dbUrl, ...tlsOptions(config.tls) });
    case "pglite": {
      const db = sharedPglite(config.dbUrl);
      return createPgliteStore({ ...common, ...(db instanceof PgliteFolder ? { folder: db } : { pglite: db }) });
    }
  }
}

/** Builds the store once per warm instance and migrates the table (idempotent), before the first record. */
export async function createResources(config: Config, setup: SetupContext): Promise<Resources> {
  const store = createStore(config);
  try {
    await store.migrate();
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  setup.log.info("database ready", {
    driver: store.kind,
    url: describeDatabaseUrl(config.dbUrl),
    table: config.table,
    poolSize: config.poolSize,
  });
  return { store };
}
