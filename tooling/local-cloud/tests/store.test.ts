import { createHash } from "node:crypto";
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ObjectStore, startLocalCloud, storedBytes } from "../src/index.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

const attributes = {
  contentType: "application/octet-stream",
  headers: {},
  meta: {},
  storageClass: "STANDARD",
  tags: [],
};
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cosfn-store-test-"));
  dirs.push(dir);
  return dir;
}
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe("a data directory", () => {
  it("keeps buckets, objects, metadata and tags across a restart", async () => {
    const dir = await dataDir();
    const first = await startLocalCloud({ dataDir: dir, buckets: [BUCKET] });
    const keys = ["a b/测试.txt", "../up", "k".repeat(850), "folder/"];
    for (const key of keys) {
      await sdkFor(first).putObject({ ...at, Key: key, Body: `body:${key}`, Headers: { "x-cos-meta-n": "1" } });
    }
    await sdkFor(first).putObjectTagging({ ...at, Key: "../up", Tags: [{ Key: "t", Value: "v" }] });
    await first.close();

    const second = await startLocalCloud({ dataDir: dir });
    try {
      expect(second.store.getBucket(BUCKET)?.region).toBe("ap-guangzhou");
      for (const key of keys) {
        expect((await storedBytes(second, BUCKET, key)).toString()).toBe(`body:${key}`);
        expect((await sdkFor(second).headObject({ ...at, Key: key })).headers?.["x-cos-meta-n"]).toBe("1");
      }
      expect(second.store.head(BUCKET, "../up")?.tags).toEqual([["t", "v"]]);
      expect((await sdkFor(second).getBucket(at)).Contents.map((c) => c.Key).sort()).toEqual([...keys].sort());
    } finally {
      await second.close();
    }
    // Never written outside the data directory, whatever the keys were.
    expect((await readdir(dir)).sort()).toEqual(["buckets", "buckets.json", "data", "tmp"]);
  });

  it("drops bodies a crash left behind without an object pointing at them", async () => {
    const dir = await dataDir();
    const store = await ObjectStore.open(dir);
    await store.createBucket(BUCKET, "ap-guangzhou");
    await store.put(BUCKET, "kept", Readable.from([Buffer.from("kept")]), attributes);
    await writeFile(join(dir, "data", "orphan-from-a-crash"), "half an upload");
    await writeFile(join(dir, "tmp", "unfinished"), "partial");
    await store.close();
    const reopened = await ObjectStore.open(dir);
    expect(await readdir(join(dir, "data"))).toHaveLength(1);
    expect(await readdir(join(dir, "tmp"))).toEqual([]);
    expect(reopened.head(BUCKET, "kept")?.size).toBe(4);
    await reopened.close();
  });

  it("replays its journal at start: overwrites and deletes hold, a torn last line is ignored, and it is compacted", async () => {
    const dir = await dataDir();
    const store = await ObjectStore.open(dir);
    await store.createBucket(BUCKET, "ap-guangzhou");
    const body = (text: string) => Readable.from([Buffer.from(text)]);
    await store.put(BUCKET, "kept", body("first"), attributes);
    await store.put(BUCKET, "kept", body("second"), attributes);
    await store.put(BUCKET, "gone", body("deleted"), attributes);
    await store.delete(BUCKET, "gone");
    await store.close();
    const bucketDir = join(dir, "buckets", createHash("sha256").update(BUCKET).digest("hex"));
    const journal = join(bucketDir, "journal.jsonl");
    expect((await readFile(journal, "utf8")).trim().split("\n")).toHaveLength(4);
    // A crash in the middle of an append leaves part of a line.
    await appendFile(journal, '{"put":{"key":"torn","si');

    const again = await ObjectStore.open(dir);
    try {
      expect(again.list(BUCKET).objects.map((o) => o.key)).toEqual(["kept"]);
      const { stream } = again.read(BUCKET, "kept");
      expect(Buffer.concat(await stream.toArray()).toString()).toBe("second");
      const lines = (await readFile(journal, "utf8")).trim().split("\n");
      expect(lines.map((line) => JSON.parse(line).put.key)).toEqual(["kept"]);
      // Only the current version's bytes are left.
      expect(await readdir(join(dir, "data"))).toEqual(again.head(BUCKET, "kept")?.segments.map((s) => s.file));
    } finally {
      await again.close();
    }
  });
});

describe("atomic writes", () => {
  it("leaves one complete object when writers race on one key", async () => {
    const store = await ObjectStore.open();
    try {
      await store.createBucket(BUCKET, "ap-guangzhou");
      const bodies = Array.from({ length: 8 }, (_, i) => Buffer.alloc(200_000 + i * 1000, i + 1));
      await Promise.all(
        bodies.map((body) =>
          store.put(BUCKET, "race", Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]), attributes),
        ),
      );
      const object = store.head(BUCKET, "race");
      const { stream } = store.read(BUCKET, "race");
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const final = Buffer.concat(chunks);
      expect(bodies.map(sha)).toContain(sha(final));
      expect(object?.size).toBe(final.length);
      expect(object?.etag).toBe(createHash("md5").update(final).digest("hex"));
      expect(await readdir(join(store.root, "data"))).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it("lets a reader finish the version it started while the key is replaced and deleted", async () => {
    const store = await ObjectStore.open();
    try {
      await store.createBucket(BUCKET, "ap-guangzhou");
      const old = Buffer.alloc(1_000_000, 0xaa);
      await store.put(BUCKET, "k", Readable.from([old]), attributes);
      const { stream } = store.read(BUCKET, "k");
      stream.pause();
      await store.put(BUCKET, "k", Readable.from([Buffer.alloc(10, 0xbb)]), attributes);
      await store.delete(BUCKET, "k");
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      expect(sha(Buffer.concat(chunks))).toBe(sha(old));
      expect(store.head(BUCKET, "k")).toBeUndefined();
      // Once the reader is done, no body is left behind.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await readdir(join(store.root, "data"))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("keeps the old object when an upload fails midway", async () => {
    const store = await ObjectStore.open();
    try {
      await store.createBucket(BUCKET, "ap-guangzhou");
      await store.put(BUCKET, "k", Readable.from([Buffer.from("old")]), attributes);
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1000, 1));
          this.destroy(new Error("connection reset"));
        },
      });
      await expect(store.put(BUCKET, "k", failing, attributes)).rejects.toThrow("connection reset");
      await expect(
        store.put(BUCKET, "k", Readable.from([Buffer.from("new!")]), attributes, { expectedBytes: 10 }),
      ).rejects.toMatchObject({
        code: "IncompleteBody",
      });
      expect(store.head(BUCKET, "k")?.size).toBe(3);
      expect(await readdir(join(store.root, "tmp"))).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
