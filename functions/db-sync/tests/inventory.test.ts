import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { fixturesDir, invokeHandler, loadEvent, objectEvent, seedObject, useTestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../src/inventory.ts";
import type { ObjectIndexStore } from "../src/stores/types.ts";
import {
  available,
  BUCKET,
  bucketState,
  DATABASES,
  dropTable,
  type MainHandler,
  openStore,
  settings,
  startDbSync,
  tableState,
  uniqueTable,
} from "./support.ts";

const test = useTestCloud();

/** test-fixtures/inventory: a COS Inventory report as COS delivers it (see its README). */
const REPORT = `${fixturesDir}inventory/`;
const manifest = JSON.parse(readFileSync(`${REPORT}manifest.json`, "utf8")) as {
  creationTimeStamp: string;
  files: { key: string }[];
};
const dataKey = (manifest.files[0] as { key: string }).key;
const dataFile = readFileSync(`${REPORT}data/${dataKey.split("/").at(-1)}`);
const REPORTS = "inventory/1250000000/examplebucket/daily-inventory/";

/** The objects the report lists under inv/, with the bodies whose ETag, size and CRC-64 it has. */
const OBJECTS: [string, string, string][] = [
  ["inv/a.txt", "first object\n", "STANDARD"],
  ["inv/changed.txt", "the changed object, second version\n", "STANDARD"],
  ["inv/cold/archive.log", "an archived log\n", "STANDARD_IA"],
  ["inv/with space and+plus.txt", "a key with a space and a plus\n", "STANDARD"],
  ["inv/中文/报告.txt", "报告\n", "STANDARD"],
];

/** Delivers the report as COS would have just now: its data file, and its manifest in today's dated folder. */
async function deliverReport(folder: string, overrides: Record<string, unknown> = {}): Promise<void> {
  await seedObject(test.cloud, BUCKET, dataKey, dataFile, "application/octet-stream");
  const delivered = { ...manifest, creationTimeStamp: String(Math.ceil(Date.now() / 1000) + 1), ...overrides };
  await seedObject(test.cloud, BUCKET, `${REPORTS}${folder}/manifest.json`, JSON.stringify(delivered));
}

describe("parseCsv", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, and CRLF lines", () => {
    expect(parseCsv('"a,b","say ""hi""","x\ny"\r\n"2",,"3"\n')).toEqual([
      ["a,b", 'say "hi"', "x\ny"],
      ["2", "", "3"],
    ]);
  });
});

describe.each(DATABASES.filter(available))("reconcile from a COS Inventory report on $name", (database) => {
  const table = uniqueTable(`inv_${database.name}`);
  const env = settings(database, table, {
    KEY_PREFIX: "inv/",
    RECONCILE_BUCKET: BUCKET,
    CLOCK_SKEW: "0s",
    RECONCILE_SOURCE: "inventory",
    INVENTORY_PREFIX: REPORTS,
  });
  let store: ObjectIndexStore;
  let main: MainHandler;
  // Opening an embedded database (PGlite: its WebAssembly and initdb) can take minutes on a busy machine.
  beforeAll(async () => {
    store = await openStore(env);
    main = await startDbSync(env);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await dropTable(database, table);
  });
  const timer = () => invokeHandler(main, { ...(loadEvent("timer") as object), TriggerName: "reconcile" });

  it("repairs the table from the newest report: rows added, replaced and deleted, keys decoded exactly, no HEAD", async () => {
    // The table before: a row of the changed object's first version, and a row of an object deleted since; both
    // deletes and the new version reached no function.
    await seedObject(test.cloud, BUCKET, "inv/changed.txt", "first version\n");
    await seedObject(test.cloud, BUCKET, "inv/gone.txt", "gone\n");
    await invokeHandler(main, objectEvent(["inv/changed.txt", "inv/gone.txt"]));
    await test.cloud.store.delete(BUCKET, "inv/gone.txt");
    for (const [key, body, storageClass] of OBJECTS) {
      await test.cloud.store.put(BUCKET, key, Readable.from([Buffer.from(body)]), {
        contentType: "text/plain",
        headers: {},
        meta: {},
        storageClass,
        tags: [],
      });
    }
    // An older report that must not be read (its data file does not exist), and today's.
    await seedObject(
      test.cloud,
      BUCKET,
      `${REPORTS}20261101/manifest.json`,
      JSON.stringify({ ...manifest, files: [{ key: `${REPORTS}data/missing.csv.gz` }] }),
    );
    await deliverReport("20261130");
    const heads = () => test.cloud.requests.entries.filter((e) => e.method === "HEAD" && e.key?.startsWith("inv/"));
    const headsBefore = heads().length;

    const summary = await timer();
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({
      outcome: "done",
      detail: {
        complete: true,
        source: `inventory ${REPORTS}20261130/manifest.json`,
        listed: 5,
        added: 4,
        updated: 1,
        deleted: 1,
        heads: 0,
      },
    });
    expect(heads().length).toBe(headsBefore);
    expect(await tableState(store, "inv/")).toEqual(bucketState(test, "inv/"));
    for (const [key, body, storageClass] of OBJECTS) {
      const stored = test.cloud.store.head(BUCKET, key);
      expect(await store.get(BUCKET, key), key).toMatchObject({
        isCurrent: true,
        size: Buffer.byteLength(body),
        etag: stored?.etag.replace(/"/g, ""),
        crc64: stored?.crc64,
        storageClass,
        contentType: null,
        reason: "reconciled",
      });
    }
    expect(await store.get(BUCKET, "inv/gone.txt")).toMatchObject({ isCurrent: false, reason: "reconciled" });
    expect(await store.get(BUCKET, "elsewhere/x.txt")).toBeNull();
    expect((await store.list(BUCKET, { prefix: "inventory/", limit: 10 })).length).toBe(0);

    // The next pass reads the same report and HEADs the rows whose details it could not give.
    const again = await timer();
    expect(again.records[0]).toMatchObject({ detail: { added: 0, updated: 0, deleted: 0, detailed: 5, heads: 5 } });
    expect(await store.get(BUCKET, "inv/with space and+plus.txt")).toMatchObject({ contentType: "text/plain" });
  });

  it("leaves rows observed after the report's scan, and refuses a data file whose MD5 is not the manifest's", async () => {
    await deliverReport("20261130", { creationTimeStamp: String(Math.floor(Date.now() / 1000) - 3600) });
    await seedObject(test.cloud, BUCKET, "inv/later.txt", "written after the scan\n");
    await invokeHandler(main, objectEvent(["inv/later.txt"]));
    const summary = await timer();
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done", detail: { deleted: 0 } });
    expect(Number(summary.records[0]?.detail?.newer)).toBeGreaterThanOrEqual(6);
    expect(await store.get(BUCKET, "inv/later.txt")).toMatchObject({ isCurrent: true });

    await seedObject(test.cloud, BUCKET, dataKey, Buffer.concat([dataFile, Buffer.from("x")]));
    const corrupt = await timer();
    expect(corrupt.records[0]).toMatchObject({
      outcome: "failed",
      error: { code: "INVENTORY_REPORT", retryable: false },
    });
    expect(String(corrupt.records[0]?.error?.message)).toMatch(/0f7f4a2c.*MD5/);
    await test.cloud.store.delete(BUCKET, "inv/later.txt");
  });
});
