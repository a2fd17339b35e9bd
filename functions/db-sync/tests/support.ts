import { createCosClient } from "@cosfn/cos";
import type { HandlerSummary, ScfContext } from "@cosfn/runtime";
import { createHandler, EnvReader } from "@cosfn/runtime";
import { EXAMPLE_BUCKET, objectEvent, scfContext, type TestCloud } from "@cosfn/testing";
import mysql from "mysql2/promise";
import pg from "pg";
import { vi } from "vitest";
import { loadConfig } from "../src/config.ts";
import { dbSync } from "../src/index.ts";
import { createStore } from "../src/resources.ts";
import type { ObjectIndexStore, ObjectRow } from "../src/stores/types.ts";

export type MainHandler = (event: unknown, context: ScfContext) => Promise<HandlerSummary>;

export const REGION = "ap-guangzhou";
export { EXAMPLE_BUCKET as BUCKET };

/** A database the tests run against: PGlite always; PostgreSQL and MySQL when CI (or the developer) gives URLs. */
export interface TestDatabase {
  name: "pglite" | "postgres" | "mysql";
  /** The DB_URL, or undefined when the server is not configured (the tests are skipped, or fail when required). */
  url: string | undefined;
}

const required = process.env.COSFN_REQUIRE_SERVICES === "1";

export const DATABASES: TestDatabase[] = [
  { name: "pglite", url: "pglite:" },
  { name: "postgres", url: process.env.COSFN_TEST_POSTGRES_URL },
  { name: "mysql", url: process.env.COSFN_TEST_MYSQL_URL },
];

/** Whether a database's tests run; with COSFN_REQUIRE_SERVICES=1 a missing URL is an error, not a skip. */
export function available(database: TestDatabase): boolean {
  if (database.url) return true;
  if (required) throw new Error(`COSFN_REQUIRE_SERVICES=1 but no URL for ${database.name} (COSFN_TEST_*_URL)`);
  return false;
}

let tables = 0;
/** A table name of its own for each suite, so test files running at once never share rows. */
export function uniqueTable(label: string): string {
  tables++;
  return `t_${label}_${process.pid}_${Date.now().toString(36)}_${tables}`.slice(0, 48);
}

/** Drops a test's table (and its history and schema tables) from a server database. */
export async function dropTable(database: TestDatabase, table: string): Promise<void> {
  const names = [table, `${table}_history`, `${table}_schema`];
  if (database.name === "postgres" && database.url) {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      for (const name of names) await client.query(`DROP TABLE IF EXISTS "${name}"`);
    } finally {
      await client.end();
    }
  } else if (database.name === "mysql" && database.url) {
    const connection = await mysql.createConnection(database.url);
    try {
      for (const name of names) await connection.query(`DROP TABLE IF EXISTS \`${name}\``);
    } finally {
      await connection.end();
    }
  }
}

/** The environment of a db-sync instance on this database and table. */
export function settings(database: TestDatabase, table: string, extra: Record<string, string> = {}) {
  return { DB_URL: database.url ?? "pglite:", DB_TABLE: table, ...extra };
}

/**
 * A new db-sync instance for these settings, as SCF starts one: `createHandler` on the function's options, so its
 * warm instance (config, pool) is built at its first invocation, which this runs now, in this environment. Each
 * holds its own pool; PGlite instances share the process's embedded database (see resources.ts). The variables
 * of an earlier call are unset.
 */
export async function startDbSync(env: Record<string, string>): Promise<MainHandler> {
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const main = createHandler(dbSync);
  // An event with no record of db-sync's: loads the config and runs setup (pool, migration) in this environment.
  await main(objectEvent(["~warm-up"], "cos:ObjectRestore:Post"), scfContext({ time_limit_in_ms: 60_000 }));
  return main;
}

/** A store on the same table, for assertions (its own pool). */
export async function openStore(env: Record<string, string>): Promise<ObjectIndexStore> {
  const store = createStore(loadConfig(new EnvReader({ ...process.env, ...env })));
  await store.migrate();
  return store;
}

/** A COS client as a user's uploader has it: the real SDK against the local cloud, no writer marker. */
export function userClient() {
  return createCosClient({ region: REGION });
}

/** How the tests compare an object and its row: ETag, size and user metadata. */
export function fingerprint(etag: string, size: number, metadata: Record<string, string>): string {
  const sorted = Object.keys(metadata)
    .sort()
    .map((name) => `${name}=${metadata[name]}`);
  return `${etag} ${size} ${sorted.join("&")}`;
}

/** The current rows under a prefix, as `key -> fingerprint`. */
export async function tableState(store: ObjectIndexStore, prefix = ""): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  let after: string | undefined;
  for (;;) {
    const rows: ObjectRow[] = await store.list(EXAMPLE_BUCKET, {
      ...(prefix && { prefix }),
      ...(after !== undefined && { after }),
      limit: 1000,
    });
    for (const row of rows) state.set(row.key, fingerprint(row.etag, row.size, row.userMetadata));
    if (rows.length < 1000) return state;
    after = (rows.at(-1) as ObjectRow).key;
  }
}

/** The bucket's objects under a prefix, as `key -> fingerprint`, from the local cloud's store. */
export function bucketState(test: TestCloud, prefix = ""): Map<string, string> {
  const listed = test.cloud.store.list(EXAMPLE_BUCKET, { prefix, maxKeys: 1_000_000 }).objects;
  return new Map(
    listed.map((object) => {
      const metadata = Object.fromEntries(
        Object.entries(object.meta).map(([name, value]) => [name.replace(/^x-cos-meta-/i, ""), value]),
      );
      return [object.key, fingerprint(object.etag.replace(/"/g, ""), object.size, metadata)];
    }),
  );
}
