import { testProvider } from "@cosfn/testing";
import pg from "pg";
import { expect, vi } from "vitest";
import { createPostgresStore } from "../../src/stores/postgres.ts";
import { advisoryLockKey } from "../../src/stores/postgres-sql.ts";
import {
  connectionContract,
  type StoreSubject,
  SubjectFactory,
  serviceUrl,
  storeContract,
  unreachableStore,
} from "./contract.ts";

// A real server shares the machine with the rest of the suite: give each case room under load.
vi.setConfig({ hookTimeout: 60_000, testTimeout: 30_000 });

const url = serviceUrl("COSFN_TEST_POSTGRES_URL", "PostgreSQL");

interface Shared {
  admin: pg.Client;
  subjects: SubjectFactory;
}

if (url) {
  testProvider<StoreSubject, Shared>({
    name: "postgres",
    kind: "ObjectIndexStore",
    async setup() {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      const subjects = new SubjectFactory({
        open: (table, options) => createPostgresStore({ url, table, ...options }),
        async schemaVersions(table) {
          const { rows } = await admin.query(`SELECT version FROM "${table}_schema" ORDER BY version`);
          return rows.map((row: { version: number }) => row.version);
        },
        async drop(table) {
          for (const name of [table, `${table}_history`, `${table}_schema`]) {
            await admin.query(`DROP TABLE IF EXISTS "${name}"`);
          }
        },
        async killHolder(table, bucket, key) {
          // The advisory lock of (table, bucket, key) shows in pg_locks as classid (high 32 bits), objid (low).
          const lock = BigInt.asUintN(64, advisoryLockKey(table, bucket, key));
          const { rows } = await admin.query(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = $2 AND objsubid = 1",
            [String(lock >> 32n), String(lock & 0xffff_ffffn)],
          );
          expect(rows).toHaveLength(1);
          const { rows: killed } = await admin.query("SELECT pg_terminate_backend($1) AS done", [rows[0].pid]);
          expect(killed[0].done).toBe(true);
        },
        unreachable: unreachableStore(url, createPostgresStore),
      });
      return { admin, subjects };
    },
    async teardown({ admin, subjects }) {
      await subjects.teardown();
      await admin.end();
    },
    create: ({ subjects }) => subjects.create(),
    cases: [...storeContract, ...connectionContract],
  });
}
