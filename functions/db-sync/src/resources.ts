import type { SetupContext } from "@cosfn/runtime";
import { PGlite } from "@electric-sql/pglite";
import { type Config, describeDatabaseUrl } from "./config.ts";
import { createMysqlStore } from "./stores/mysql.ts";
import { createPgliteStore } from "./stores/pglite.ts";
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

/**
 * One PGlite per location in a process (`pglite:` is one in-memory database, `pglite:<dir>` one per folder): a
 * folder can be opened once, and the instances of `npm start` and of tests share the embedded database as SCF
 * instances share a server.
 */
export function sharedPglite(url: string): PGlite {
  const global = globalThis as Record<symbol, unknown>;
  if (!global[PGLITE_REGISTRY]) global[PGLITE_REGISTRY] = new Map<string, PGlite>();
  const registry = global[PGLITE_REGISTRY] as Map<string, PGlite>;
  const dataDir = url.replace(/^pglite:/i, "");
  let db = registry.get(dataDir);
  if (!db) {
    db = new PGlite(dataDir || undefined);
    registry.set(dataDir, db);
  }
  return db;
}

/** The configured driver's store, with the pool `DB_POOL_SIZE` allows. */
export function createStore(config: Config): ObjectIndexStore {
  const common = { table: config.table, history: config.history, poolSize: config.poolSize };
  switch (config.dbKind) {
    case "postgres":
      return createPostgresStore({ ...common, url: config.dbUrl, ...tlsOptions(config.tls) });
    case "mysql":
      return createMysqlStore({ ...common, url: config.dbUrl, ...tlsOptions(config.tls) });
    case "pglite":
      return createPgliteStore({ ...common, pglite: sharedPglite(config.dbUrl) });
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
