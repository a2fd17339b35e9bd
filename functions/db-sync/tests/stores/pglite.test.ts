import { testProvider } from "@cosfn/testing";
import { PGlite } from "@electric-sql/pglite";
import { expect, vi } from "vitest";
import { createPgliteStore } from "../../src/stores/pglite.ts";
import { BUCKET, type StoreSubject, SubjectFactory, storeContract, upsert } from "./contract.ts";

// A fresh PGlite takes seconds to start: one instance for the file, a fresh table per case.
vi.setConfig({ hookTimeout: 60_000, testTimeout: 30_000 });

interface Shared {
  db: PGlite;
  subjects: SubjectFactory;
}

testProvider<StoreSubject, Shared>({
  name: "pglite",
  kind: "ObjectIndexStore",
  async setup() {
    const db = await PGlite.create();
    const subjects = new SubjectFactory({
      open: (table, options) => createPgliteStore({ pglite: db, table, ...options }),
      async schemaVersions(table) {
        const { rows } = await db.query<{ version: number }>(`SELECT version FROM "${table}_schema" ORDER BY version`);
        return rows.map((row) => row.version);
      },
      async drop(table) {
        for (const name of [table, `${table}_history`, `${table}_schema`])
          await db.exec(`DROP TABLE IF EXISTS "${name}"`);
      },
    });
    return { db, subjects };
  },
  async teardown({ db, subjects }) {
    await subjects.teardown();
    await db.close();
  },
  create: ({ subjects }) => subjects.create(),
  cases: storeContract,
  extra: [
    {
      // The contract's connection cases (a killed connection, a server out of reach) do not apply to PGlite: it
      // is PostgreSQL compiled to WebAssembly inside this process, with one connection that cannot be killed or
      // be out of reach; the PostgreSQL and MySQL suites run them.
      name: "one in-process connection: no connection to kill or lose (the connection cases do not apply)",
      async run({ store }) {
        expect(store.connections()).toBe(0);
        await store.migrate();
        await store.withKey(BUCKET, "k", async () => ({ write: upsert("k"), result: undefined }));
        expect(store.connections()).toBe(1);
        await store.close();
        expect(store.connections()).toBe(0);
        await expect(store.get(BUCKET, "k")).rejects.toMatchObject({ code: "STORE_CLOSED" });
      },
    },
    {
      name: "a store in a data directory keeps its rows across close and reopen",
      timeout: 60_000,
      async run() {
        const { mkdtemp, rm } = await import("node:fs/promises");
        const { tmpdir } = await import("node:os");
        const { join } = await import("node:path");
        const dir = await mkdtemp(join(tmpdir(), "cosfn-pglite-"));
        try {
          const first = createPgliteStore({ dataDir: dir, table: "objects" });
          await first.migrate();
          await first.withKey(BUCKET, "kept.txt", async () => ({ write: upsert("kept.txt"), result: undefined }));
          await first.close();
          const second = createPgliteStore({ dataDir: dir, table: "objects" });
          await second.migrate();
          expect(await second.get(BUCKET, "kept.txt")).toMatchObject({ key: "kept.txt", rowVersion: 1 });
          await second.close();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      },
    },
  ],
});
