import { invokeHandler, loadEvent, objectEvent, seedObject, useTestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateKey } from "../src/reconcile-state.ts";
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
  userClient,
} from "./support.ts";

const test = useTestCloud();

describe.each(DATABASES.filter(available))("reconcile on $name", (database) => {
  const table = uniqueTable(`rec_${database.name}`);
  const root = `rec/${database.name}/`;
  const base = { KEY_PREFIX: root, RECONCILE_BUCKET: BUCKET, CLOCK_SKEW: "0s" };
  let store: ObjectIndexStore;
  // Opening an embedded database (PGlite: its WebAssembly and initdb) can take minutes on a busy machine.
  beforeAll(async () => {
    store = await openStore(settings(database, table, base));
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await dropTable(database, table);
  });
  const timer = (main: MainHandler, time_limit_in_ms = 60_000) =>
    invokeHandler(main, { ...(loadEvent("timer") as object), TriggerName: "reconcile" }, { time_limit_in_ms });

  it("repairs a drifted table both ways: missing rows, rows of deleted objects, rows of replaced objects", async () => {
    const prefix = `${root}drift/`;
    const main = await startDbSync(settings(database, table, { ...base, RECONCILE_BATCH: "3" }));
    const synced = ["keep", "gone", "replaced", "tomb"].map((name) => `${prefix}${name}`);
    for (const key of synced) await seedObject(test.cloud, BUCKET, key, `first ${key}`);
    await invokeHandler(main, objectEvent(synced));
    await test.cloud.store.delete(BUCKET, `${prefix}tomb`);
    await invokeHandler(main, objectEvent([`${prefix}tomb`], "cos:ObjectRemove:Delete"));
    // Drift no event reported: objects added, one deleted, one replaced, a deleted one back.
    const added = ["a", "b", "c", "d", "e+f", "中"].map((name) => `${prefix}new/${name}`);
    for (const key of added) await seedObject(test.cloud, BUCKET, key, key);
    await test.cloud.store.delete(BUCKET, `${prefix}gone`);
    await seedObject(test.cloud, BUCKET, `${prefix}replaced`, "second, longer");
    await seedObject(test.cloud, BUCKET, `${prefix}tomb`, "back");
    // Outside KEY_PREFIX: never mirrored.
    await seedObject(test.cloud, BUCKET, "elsewhere/x", "x");
    expect(await tableState(store, prefix)).not.toEqual(bucketState(test, prefix));

    const heads = () => test.cloud.requests.entries.filter((e) => e.method === "HEAD" && e.key?.startsWith(prefix));
    const headsBefore = heads().length;
    const summary = await timer(main);
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({
      eventName: "timer:reconcile",
      outcome: "done",
      detail: { complete: true, added: 7, updated: 1, deleted: 1, superseded: 0, awaitingDetails: 8, heads: 0 },
    });
    // RECONCILE_DETAILS=next-pass: the rows come from the listing alone, no HEAD; their details are not observed yet.
    expect(heads().length).toBe(headsBefore);
    expect(await tableState(store, prefix)).toEqual(bucketState(test, prefix));
    expect(await store.get(BUCKET, `${prefix}gone`)).toMatchObject({ isCurrent: false, reason: "reconciled" });
    expect(await store.get(BUCKET, `${prefix}replaced`)).toMatchObject({
      size: 14,
      reason: "reconciled",
      contentType: null,
      crc64: null,
    });
    expect(await store.get(BUCKET, "elsewhere/x")).toBeNull();

    // The next pass HEADs the 8 rows whose details were not observed and fills them in; nothing else changes.
    const again = await timer(main);
    expect(again.records[0]).toMatchObject({
      detail: { complete: true, added: 0, updated: 0, deleted: 0, detailed: 8, heads: 8 },
    });
    const replaced = await store.get(BUCKET, `${prefix}replaced`);
    expect(replaced).toMatchObject({ size: 14, contentType: "application/octet-stream" });
    expect(replaced?.crc64).toBe(test.cloud.store.head(BUCKET, `${prefix}replaced`)?.crc64);
    const third = await timer(main);
    expect(third.records[0]).toMatchObject({ detail: { complete: true, added: 0, detailed: 0, heads: 0 } });
  });

  it("fills the metadata of a row written from the listing at the next pass, or at once with RECONCILE_DETAILS=at-once", async () => {
    const prefix = `${root}details/`;
    const user = userClient();
    for (const name of ["a", "b"]) {
      await user.writeObject({
        bucket: BUCKET,
        key: `${prefix}${name}`,
        body: `body ${name}`,
        contentType: "text/plain",
        metadata: { owner: `owner-${name}` },
      });
    }
    const later = await startDbSync(settings(database, table, { ...base, KEY_PREFIX: `${prefix}a` }));
    await timer(later);
    expect(await store.get(BUCKET, `${prefix}a`)).toMatchObject({ userMetadata: {}, contentType: null });
    await timer(later);
    expect(await store.get(BUCKET, `${prefix}a`)).toMatchObject({
      userMetadata: { owner: "owner-a" },
      contentType: "text/plain",
      reason: "reconciled",
    });
    const atOnce = await startDbSync(
      settings(database, table, { ...base, KEY_PREFIX: `${prefix}b`, RECONCILE_DETAILS: "at-once" }),
    );
    const summary = await timer(atOnce);
    expect(summary.records[0]).toMatchObject({ detail: { added: 1, heads: 1, awaitingDetails: 0 } });
    expect(await store.get(BUCKET, `${prefix}b`)).toMatchObject({
      userMetadata: { owner: "owner-b" },
      contentType: "text/plain",
    });
  });

  it("leaves rows observed after its listing started, and never overwrites a row an event changed meanwhile", async () => {
    const prefix = `${root}recent/`;
    // A skew of an hour: every row was observed "after" the listing started, as far as reconcile can tell.
    const main = await startDbSync(settings(database, table, { ...base, KEY_PREFIX: prefix, CLOCK_SKEW: "1h" }));
    await seedObject(test.cloud, BUCKET, `${prefix}x`, "x");
    await invokeHandler(main, objectEvent([`${prefix}x`]));
    await test.cloud.store.delete(BUCKET, `${prefix}x`);
    const summary = await timer(main);
    expect(summary.records[0]).toMatchObject({ detail: { complete: true, deleted: 0, newer: 1 } });
    expect(await store.get(BUCKET, `${prefix}x`)).toMatchObject({ isCurrent: true });
  });

  it("purges tombstones older than TOMBSTONE_RETENTION", async () => {
    const prefix = `${root}purge/`;
    const main = await startDbSync(
      settings(database, table, { ...base, KEY_PREFIX: prefix, TOMBSTONE_RETENTION: "1s" }),
    );
    await seedObject(test.cloud, BUCKET, `${prefix}x`, "x");
    await invokeHandler(main, objectEvent([`${prefix}x`]));
    await test.cloud.store.delete(BUCKET, `${prefix}x`);
    await invokeHandler(main, objectEvent([`${prefix}x`], "cos:ObjectRemove:Delete"));
    expect(await store.get(BUCKET, `${prefix}x`)).toMatchObject({ isCurrent: false });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const summary = await timer(main);
    expect(Number(summary.records[0]?.detail?.purgedTombstones)).toBeGreaterThanOrEqual(1);
    expect(await store.get(BUCKET, `${prefix}x`)).toBeNull();
  });

  it("stops before the deadline and resumes from its marker at the next invocation", async () => {
    const prefix = `${root}resume/`;
    const main = await startDbSync(
      settings(database, table, { ...base, KEY_PREFIX: prefix, RECONCILE_BATCH: "4", RECONCILE_DETAILS: "at-once" }),
    );
    const keys = Array.from({ length: 24 }, (_, i) => `${prefix}${String(i).padStart(2, "0")}`);
    for (const key of keys) await seedObject(test.cloud, BUCKET, key, key);
    // Each batch's HEADs take 300 ms: a 4 s invocation (a 3 s deadline, batches started while 2 s are left) does
    // a few batches of the six, saves where it stopped, and returns.
    test.cloud.faults.add({ fault: { kind: "latency", ms: 300 }, method: "HEAD", pattern: /rec\/.*\/resume\// });
    try {
      const first = await timer(main, 4_000);
      const detail = first.records[0]?.detail as { complete: boolean; after: string; added: number };
      expect(first.records[0], JSON.stringify(first)).toMatchObject({ outcome: "done", detail: { complete: false } });
      expect(detail.added).toBeGreaterThan(0);
      expect(detail.added).toBeLessThan(keys.length);
      expect(detail.after).toBe(keys[detail.added - 1]);
      const marker = test.cloud.store.head(BUCKET, stateKey(".cosfn/db-sync/", table));
      expect(marker).toBeDefined();
      expect((await tableState(store, prefix)).size).toBe(detail.added);

      test.cloud.faults.clear();
      const second = await timer(main);
      expect(second.records[0]).toMatchObject({
        detail: { complete: true, resumedFrom: detail.after, added: keys.length - detail.added },
      });
      expect(await tableState(store, prefix)).toEqual(bucketState(test, prefix));
    } finally {
      test.cloud.faults.clear();
    }
  }, 30_000);
});
