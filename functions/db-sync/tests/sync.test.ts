import { cosEvent } from "@cosfn/events";
import { invokeHandler, useTestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ObjectIndexStore } from "../src/stores/types.ts";
import {
  available,
  BUCKET,
  DATABASES,
  dropTable,
  type MainHandler,
  openStore,
  REGION,
  settings,
  startDbSync,
  uniqueTable,
  userClient,
} from "./support.ts";

const test = useTestCloud();

describe.each(DATABASES.filter(available))("db-sync on $name", (database) => {
  const prefix = `data/${database.name}/`;
  const table = uniqueTable(`sync_${database.name}`);
  const env = settings(database, table, { KEY_PREFIX: "data/" });
  let main: MainHandler;
  let store: ObjectIndexStore;
  const cos = () => userClient();
  const row = (key: string) => store.get(BUCKET, key);
  /** Invokes the handler directly with a hand-made record (events COS sends that the local cloud does not make). */
  const deliver = (key: string, eventName: string, extra: { versionId?: string } = {}) =>
    invokeHandler(main, cosEvent({ eventName, bucket: BUCKET, region: REGION, key, size: 1, ...extra }));
  const settle = () => test.cloud.triggers.idle();

  beforeAll(async () => {
    main = await startDbSync(env);
    store = await openStore(env);
    test.cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
      prefix,
      functionName: "db-sync",
      handler: main,
    });
  }, 60_000);
  afterAll(async () => {
    await settle();
    await store?.close();
    await dropTable(database, table);
  });

  it("created, overwritten, copied, deleted: each row is what a HEAD saw, with the reason", async () => {
    const key = `${prefix}reasons/a.txt`;
    await cos().writeObject({
      bucket: BUCKET,
      key,
      body: "one",
      contentType: "text/plain",
      metadata: { owner: "ann" },
    });
    await settle();
    const created = await row(key);
    const head = test.cloud.store.head(BUCKET, key);
    expect(created).toMatchObject({
      key,
      size: 3,
      etag: head?.etag.replace(/"/g, ""),
      crc64: head?.crc64,
      contentType: "text/plain",
      storageClass: "STANDARD",
      userMetadata: { owner: "ann" },
      isCurrent: true,
      deletedAt: null,
      reason: "created",
    });

    await cos().writeObject({ bucket: BUCKET, key, body: "two!", contentType: "text/plain" });
    await settle();
    expect(await row(key)).toMatchObject({ size: 4, reason: "overwritten", userMetadata: {}, isCurrent: true });

    const copy = `${prefix}reasons/b.txt`;
    await cos().copyObject({ bucket: BUCKET, key }, { bucket: BUCKET, key: copy });
    await settle();
    expect(await row(copy)).toMatchObject({ size: 4, reason: "copied", etag: (await row(key))?.etag });

    await cos().deleteObject(BUCKET, key);
    await settle();
    const deleted = await row(key);
    expect(deleted).toMatchObject({ isCurrent: false, reason: "deleted" });
    expect(deleted?.deletedAt).toBeInstanceOf(Date);
    expect(await store.list(BUCKET, { prefix: `${prefix}reasons/`, limit: 10 })).toHaveLength(1);
  });

  it("a delete marker and a restore are recorded with their reasons", async () => {
    const key = `${prefix}marker.txt`;
    await cos().writeObject({ bucket: BUCKET, key, body: "x" });
    await settle();
    // Versioning is not in the local cloud yet: the object is removed, then COS's DeleteMarkerCreated is delivered.
    await test.cloud.store.delete(BUCKET, key);
    const summary = await deliver(key, "cos:ObjectRemove:DeleteMarkerCreated");
    expect(summary.records[0]).toMatchObject({ outcome: "done", detail: { result: "delete-marker" } });
    expect(await row(key)).toMatchObject({ isCurrent: false, reason: "delete-marker" });

    const archived = `${prefix}archived.bin`;
    await cos().writeObject({ bucket: BUCKET, key: archived, body: "cold" });
    await settle();
    const restored = await deliver(archived, "cos:ObjectRestore:Completed");
    expect(restored.records[0]).toMatchObject({ outcome: "done", detail: { result: "restored" } });
    expect(await row(archived)).toMatchObject({ isCurrent: true, size: 4, reason: "restored" });
  });

  it("on a versioned bucket, the delete marker COS leaves is recorded from the local cloud's own event and HEAD", async () => {
    const versioned = `versioned${database.name}-1250000000`;
    await test.cloud.store.ensureBucket(versioned, REGION);
    await test.cloud.store.setVersioning(versioned, "Enabled");
    test.cloud.triggers.add({
      bucket: versioned,
      events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
      prefix,
      functionName: "db-sync",
      handler: main,
    });
    const key = `${prefix}versioned.txt`;
    const put = await cos().writeObject({ bucket: versioned, key, body: "v1" });
    await settle();
    expect(await store.get(versioned, key)).toMatchObject({ isCurrent: true, etag: put.etag, reason: "created" });
    expect((await store.get(versioned, key))?.versionId).toBeTruthy();
    await cos().deleteObject(versioned, key);
    await settle();
    const invocation = test.cloud.triggers.invocations.filter((i) => i.bucket === versioned).at(-1);
    expect(invocation?.eventName).toBe("cos:ObjectRemove:DeleteMarkerCreated");
    expect(await store.get(versioned, key)).toMatchObject({ isCurrent: false, reason: "delete-marker" });
  });

  it("a duplicate event writes nothing (unchanged), and the row keeps its version", async () => {
    const key = `${prefix}dup.txt`;
    await cos().writeObject({ bucket: BUCKET, key, body: "same" });
    await settle();
    const before = await row(key);
    const again = await deliver(key, "cos:ObjectCreated:Put");
    expect(again.records[0]).toMatchObject({ outcome: "done", detail: { result: "unchanged" } });
    expect((await row(key))?.rowVersion).toBe(before?.rowVersion);
  });

  it("a late put event after the delete cannot resurrect the key (the HEAD says gone)", async () => {
    const key = `${prefix}late.txt`;
    await cos().writeObject({ bucket: BUCKET, key, body: "v1" });
    await settle();
    await cos().deleteObject(BUCKET, key);
    await settle();
    const late = await deliver(key, "cos:ObjectCreated:Put");
    expect(late.records[0]).toMatchObject({ detail: { result: "unchanged" } });
    expect(await row(key)).toMatchObject({ isCurrent: false, reason: "deleted" });
  });

  it("put, delete, put: the row is the second object", async () => {
    const key = `${prefix}pdp.txt`;
    await cos().writeObject({ bucket: BUCKET, key, body: "first" });
    await cos().deleteObject(BUCKET, key);
    await cos().writeObject({ bucket: BUCKET, key, body: "second!" });
    await settle();
    expect(await row(key)).toMatchObject({
      isCurrent: true,
      size: 7,
      etag: test.cloud.store.head(BUCKET, key)?.etag.replace(/"/g, ""),
    });
    // Delivered again in reverse order, the events change nothing: the HEAD still sees the second object.
    for (const eventName of ["cos:ObjectCreated:Put", "cos:ObjectRemove:Delete", "cos:ObjectCreated:Put"]) {
      const summary = await deliver(key, eventName);
      expect(summary.records[0]).toMatchObject({ detail: { result: "unchanged" } });
    }
    expect(await row(key)).toMatchObject({ isCurrent: true, size: 7 });
  });

  it("a delete naming a version that is not the current one leaves the row", async () => {
    const key = `${prefix}versioned.txt`;
    await cos().writeObject({ bucket: BUCKET, key, body: "current" });
    await settle();
    const before = await row(key);
    const summary = await deliver(key, "cos:ObjectRemove:Delete", { versionId: "MTg0NDUxNTc1NjIzMTQ1MDAwODg" });
    expect(summary.records[0]).toMatchObject({ detail: { result: "unchanged" } });
    expect(await row(key)).toEqual(before);
  });

  it("stores an 850-byte key, and keys with + and other characters exactly", async () => {
    const rest = 850 - Buffer.byteLength(prefix);
    const long = `${prefix}${"é".repeat(Math.floor(rest / 2))}${rest % 2 ? "x" : ""}`;
    const keys = [`${prefix}a+b c.txt`, `${prefix}%2B'; DROP TABLE x; --.txt`, `${prefix}中文/😀/\\"q"`, long];
    for (const key of keys) await cos().writeObject({ bucket: BUCKET, key, body: key, metadata: { note: "a+b" } });
    await settle();
    for (const key of keys)
      expect(await row(key), key).toMatchObject({ key, isCurrent: true, userMetadata: { note: "a+b" } });
    expect(await row(`${prefix}a b c.txt`)).toBeNull();
    expect(Buffer.byteLength(long)).toBe(850);
  });

  it("skips keys outside KEY_PREFIX", async () => {
    const summary = await invokeHandler(
      main,
      cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: BUCKET, region: REGION, key: "other/x", size: 1 }),
    );
    expect(summary.records[0]).toMatchObject({ outcome: "skipped" });
  });
});
