import { invokeHandler, objectEvent, seedObject, useTestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectIndexStore } from "../src/stores/types.ts";
import {
  available,
  BUCKET,
  DATABASES,
  dropTable,
  type MainHandler,
  openStore,
  settings,
  startDbSync,
  uniqueTable,
} from "./support.ts";

const test = useTestCloud();

describe.each(DATABASES.filter(available))("DB_HISTORY on $name", (database) => {
  const table = uniqueTable(`hist_${database.name}`);
  const env = settings(database, table, { DB_HISTORY: "true" });
  let main: MainHandler;
  let store: ObjectIndexStore;
  // Opening an embedded database (PGlite: its WebAssembly and initdb) can take minutes on a busy machine.
  beforeAll(async () => {
    main = await startDbSync(env);
    store = await openStore(env);
  }, 180_000);
  afterAll(async () => {
    await store?.close();
    await dropTable(database, table);
  });

  it("keeps one entry per change, whatever was delivered twice", async () => {
    const key = "hist/a.txt";
    await seedObject(test.cloud, BUCKET, key, "one");
    const created = objectEvent([key]);
    await invokeHandler(main, created);
    await invokeHandler(main, created);
    await seedObject(test.cloud, BUCKET, key, "two, longer");
    const overwritten = objectEvent([key]);
    await invokeHandler(main, overwritten);
    await invokeHandler(main, created);
    await test.cloud.store.delete(BUCKET, key);
    const deleted = objectEvent([key], "cos:ObjectRemove:Delete");
    await invokeHandler(main, deleted);
    await invokeHandler(main, deleted);
    const history = await store.history(BUCKET, key);
    expect(history.map((entry) => [entry.reason, entry.size, entry.isCurrent])).toEqual([
      ["created", 3, true],
      ["overwritten", 11, true],
      ["deleted", 11, false],
    ]);
    expect(new Set(history.map((entry) => entry.historyId)).size).toBe(3);
  });

  it("records reconcile's batched writes too: rows added from the listing, then their details", async () => {
    const keys = ["hist/batch/a.txt", "hist/batch/b.txt"];
    for (const key of keys) await seedObject(test.cloud, BUCKET, key, key);
    const reconciler = await startDbSync({
      ...env,
      KEY_PREFIX: "hist/batch/",
      RECONCILE_BUCKET: BUCKET,
      CLOCK_SKEW: "0s",
    });
    const timer = { Type: "Timer", TriggerName: "reconcile", Time: new Date().toISOString(), Message: "" };
    expect((await invokeHandler(reconciler, timer)).records[0]).toMatchObject({ detail: { added: 2 } });
    expect((await invokeHandler(reconciler, timer)).records[0]).toMatchObject({ detail: { detailed: 2 } });
    for (const key of keys) {
      const history = await store.history(BUCKET, key);
      expect(history.map((entry) => [entry.reason, entry.contentType, entry.rowVersion, entry.historyId])).toEqual([
        ["reconciled", null, 1, null],
        ["reconciled", "application/octet-stream", 2, null],
      ]);
    }
  });
});
