import { testProvider } from "@cosfn/testing";
import mysql from "mysql2/promise";
import { expect, vi } from "vitest";
import { createMysqlStore, mysqlLockName } from "../../src/stores/mysql.ts";
import {
  BUCKET,
  connectionContract,
  type StoreSubject,
  SubjectFactory,
  serviceUrl,
  storeContract,
  unreachableStore,
  upsert,
} from "./contract.ts";

// A real server shares the machine with the rest of the suite: give each case room under load.
vi.setConfig({ hookTimeout: 60_000, testTimeout: 30_000 });

const url = serviceUrl("COSFN_TEST_MYSQL_URL", "MySQL");

interface Shared {
  admin: mysql.Connection;
  subjects: SubjectFactory;
}

if (url) {
  testProvider<StoreSubject, Shared>({
    name: "mysql",
    kind: "ObjectIndexStore",
    async setup() {
      const admin = await mysql.createConnection({ uri: url });
      const subjects = new SubjectFactory({
        open: (table, options) => createMysqlStore({ url, table, ...options }),
        async schemaVersions(table) {
          const [rows] = await admin.query(`SELECT version FROM \`${table}_schema\` ORDER BY version`);
          return (rows as { version: number }[]).map((row) => row.version);
        },
        async drop(table) {
          for (const name of [table, `${table}_history`, `${table}_schema`]) {
            await admin.query(`DROP TABLE IF EXISTS \`${name}\``);
          }
        },
        async killHolder(table, bucket, key) {
          // IS_USED_LOCK names the connection that holds the key's named lock.
          const [rows] = await admin.query("SELECT IS_USED_LOCK(?) AS id", [mysqlLockName(table, bucket, key)]);
          const id = Number((rows as { id: number | null }[])[0]?.id);
          expect(Number.isSafeInteger(id) && id > 0).toBe(true);
          await admin.query(`KILL CONNECTION ${id}`);
        },
        unreachable: unreachableStore(url, createMysqlStore),
      });
      return { admin, subjects };
    },
    async teardown({ admin, subjects }) {
      await subjects.teardown();
      await admin.end();
    },
    create: ({ subjects }) => subjects.create(),
    cases: [...storeContract, ...connectionContract],
    extra: [
      {
        name: "the key is VARBINARY(850): an 850-byte key fits the primary key and keeps its bytes",
        async run({ store, table }) {
          await store.migrate();
          const key = `${"中".repeat(283)}a`;
          await store.withKey(BUCKET, key, async () => ({ write: upsert(key), result: undefined }));
          const admin = await mysql.createConnection({ uri: url });
          try {
            const [rows] = await admin.query(`SELECT HEX(\`key\`) AS hex, LENGTH(\`key\`) AS bytes FROM \`${table}\``);
            expect(rows).toEqual([{ hex: Buffer.from(key, "utf8").toString("hex").toUpperCase(), bytes: 850 }]);
            const [columns] = await admin.query(
              "SELECT DATA_TYPE AS type, CHARACTER_OCTET_LENGTH AS length FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'key'",
              [table],
            );
            expect(columns).toEqual([{ type: "varbinary", length: 850 }]);
          } finally {
            await admin.end();
          }
        },
      },
    ],
  });
}
