import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ConsoleViewData } from "@cosfn/local-cloud";
import { EXAMPLE_BUCKET, invokeHandler, objectEvent, useTestCloud } from "@cosfn/testing";
import { afterAll, describe, expect, it, vi } from "vitest";
import { COLUMNS, consoleView } from "../src/console-view.ts";
import { available, DATABASES, dropTable, type MainHandler, uniqueTable } from "./support.ts";

/**
 * db-sync's view in the local console: the function run against the local cloud on each database, then the view
 * loaded as `cosfn dev` loads it; the rows must be the table's, newest first.
 */
const test = useTestCloud();
const work = mkdtempSync(join(tmpdir(), "cosfn-db-sync-view-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** db-sync's entry point (the one SCF calls, giving a `pglite:<dir>` folder back after each invocation). */
async function loadDbSync(env: Record<string, string>): Promise<MainHandler> {
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  return (await import("../src/index.ts")).main_handler as MainHandler;
}

const etagOf = (key: string) => test.cloud.store.head(EXAMPLE_BUCKET, key)?.etag.replace(/"/g, "");
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The row a `created` object gets, as the view shows it (times checked apart). */
function currentRow(key: string, body: string) {
  return [
    EXAMPLE_BUCKET,
    { object: { bucket: EXAMPLE_BUCKET, key }, text: key },
    Buffer.byteLength(body),
    etagOf(key),
    expect.stringMatching(/^\d+$/),
    "text/plain; charset=utf-8",
    expect.stringMatching(ISO),
    "STANDARD",
    null,
    '{"owner":"alice"}',
    true,
    null,
    expect.stringMatching(ISO),
    "created",
    1,
  ];
}

const folderDb = { name: "pglite folder", url: `pglite:${join(work, "db")}` } as const;
const databases = [folderDb, ...DATABASES.filter((database) => database.name !== "pglite" && available(database))];

describe.each(databases)("db-sync's console view on $name", (database) => {
  const table = uniqueTable("view");
  const env = { DB_URL: database.url as string, DB_TABLE: table, KEY_PREFIX: "view/" };
  afterAll(() => dropTable(database as Parameters<typeof dropTable>[0], table));

  it("says there is no table before the first invocation", async () => {
    const data = await consoleView({ env }).load();
    expect(data.sections).toHaveLength(1);
    expect(data.sections[0]?.rows).toEqual([]);
    expect(data.sections[0]?.note).toMatch(
      database === folderDb ? /^no database in .* yet: db-sync creates it/ : `no table ${table} yet`,
    );
  });

  // Four invocations and the view's load, each opening the database (a PGlite folder takes seconds to open; about
  // 11 s in all on a quiet 2-core machine), so more than the default 30 s when CI runs every package at once.
  it("shows the table's rows, the most recently observed first, a tombstone included, with the column names", {
    timeout: 120_000,
  }, async () => {
    const main = await loadDbSync(env);
    const meta = { "x-cos-meta-owner": "alice" };
    const bodies = { "view/a.txt": "first", "view/目录/b c.txt": "second object", "view/gone.txt": "soon deleted" };
    for (const [key, body] of Object.entries(bodies)) {
      await test.cloud.store.put(EXAMPLE_BUCKET, key, Readable.from([Buffer.from(body)]), {
        contentType: "text/plain; charset=utf-8",
        headers: {},
        meta,
        storageClass: "STANDARD",
        tags: [],
      });
      expect(await invokeHandler(main, objectEvent([key]))).toMatchObject({ processed: 1, failed: 0 });
    }
    await test.cloud.store.delete(EXAMPLE_BUCKET, "view/gone.txt");
    const removed = await invokeHandler(main, objectEvent(["view/gone.txt"], "cos:ObjectRemove:Delete"));
    expect(removed).toMatchObject({ processed: 1, failed: 0 });

    const data: ConsoleViewData = await consoleView({ env }).load();
    expect(data.sections).toHaveLength(1);
    const [section] = data.sections;
    expect(section?.title).toBe(`${table} (${database.url?.replace(/:[^:@/]*@/, ":***@")})`);
    expect(section?.columns).toEqual([...COLUMNS]);
    expect(section?.note).toBe(
      "3 rows, the most recently observed first; tombstones (deleted objects) have is_current false",
    );
    const tombstone = section?.rows[0] as unknown[];
    expect(tombstone).toEqual([
      EXAMPLE_BUCKET,
      "view/gone.txt",
      Buffer.byteLength(bodies["view/gone.txt"]),
      expect.any(String),
      expect.stringMatching(/^\d+$/),
      "text/plain; charset=utf-8",
      expect.stringMatching(ISO),
      "STANDARD",
      null,
      '{"owner":"alice"}',
      false,
      expect.stringMatching(ISO),
      expect.stringMatching(ISO),
      "deleted",
      2,
    ]);
    expect(section?.rows.slice(1)).toEqual([
      currentRow("view/目录/b c.txt", bodies["view/目录/b c.txt"]),
      currentRow("view/a.txt", bodies["view/a.txt"]),
    ]);
    const observed = section?.rows.map((row) => row[12] as string) ?? [];
    expect([...observed].sort().reverse()).toEqual(observed);
  });
});

describe("db-sync's console view on a pglite:<dir> folder an invocation holds", () => {
  it("answers that the database is busy instead of waiting for it or breaking in", async () => {
    const lock = `${join(work, "db")}.lock`;
    // A live process (this one) holds the folder, as a running invocation would.
    writeFileSync(lock, `${process.pid}\n`);
    try {
      const data = await consoleView({ env: { DB_URL: folderDb.url } }, { busyWaitMs: 200 }).load();
      expect(data.sections).toEqual([
        {
          title: `cos_objects (${folderDb.url})`,
          note: `the database is busy: an invocation holds ${join(work, "db")} (${lock}); reload in a moment`,
          columns: [],
          rows: [],
        },
      ]);
    } finally {
      rmSync(lock, { force: true });
    }
  });

  it("says why for DB_URL=pglite: (in memory, in each invocation's process) and for invalid settings", async () => {
    const memory = await consoleView({ env: { DB_URL: "pglite:" } }).load();
    expect(memory.sections[0]?.note).toMatch(/^DB_URL=pglite: keeps the table in memory/);
    const invalid = await consoleView({ env: {} }).load();
    expect(invalid.sections[0]?.note).toMatch(/^db-sync's settings are not valid: .*DB_URL/);
  });
});
