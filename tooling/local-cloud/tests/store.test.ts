import { createHash } from "node:crypto";
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { ObjectStore, startLocalCloud, storedBytes, storedText } from "../src/index.ts";
import { at, PLAIN_ATTRIBUTES as attributes, BUCKET, sdkFor } from "./sdk.ts";

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

const journalOf = (dir: string) =>
  join(dir, "buckets", createHash("sha256").update(BUCKET).digest("hex"), "journal.jsonl");

describe("multipart uploads in a data directory", () => {
  it("survive a restart: listed with their parts, continued and completed after it", async () => {
    const dir = await dataDir();
    const first = await startLocalCloud({ dataDir: dir, buckets: [BUCKET] });
    first.store.minPartBytes = 1;
    const cos = sdkFor(first);
    const { UploadId } = await cos.multipartInit({ ...at, Key: "big/file.bin", ContentType: "application/x-big" });
    const one = await cos.multipartUpload({ ...at, Key: "big/file.bin", UploadId, PartNumber: 1, Body: "first-" });
    await cos.multipartUpload({ ...at, Key: "big/file.bin", UploadId, PartNumber: 2, Body: "old" });
    // A part uploaded again replaces the earlier one, across the restart too.
    const two = await cos.multipartUpload({ ...at, Key: "big/file.bin", UploadId, PartNumber: 2, Body: "second-" });
    await first.close();

    const second = await startLocalCloud({ dataDir: dir });
    second.store.minPartBytes = 1;
    const again = sdkFor(second);
    const uploads = await again.multipartList({ ...at, Prefix: "big/" } as Parameters<typeof again.multipartList>[0]);
    expect(uploads.Upload.map((u) => [u.Key, u.UploadId])).toEqual([["big/file.bin", UploadId]]);
    const parts = await again.multipartListPart({ ...at, Key: "big/file.bin", UploadId });
    expect(parts.Part.map((p) => [p.PartNumber, p.ETag, p.Size])).toEqual([
      ["1", one.ETag, "6"],
      ["2", two.ETag, "7"],
    ]);
    const three = await again.multipartUpload({ ...at, Key: "big/file.bin", UploadId, PartNumber: 3, Body: "third" });
    await again.multipartComplete({
      ...at,
      Key: "big/file.bin",
      UploadId,
      Parts: [
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 2, ETag: two.ETag },
        { PartNumber: 3, ETag: three.ETag },
      ],
    });
    expect(await storedText(second, BUCKET, "big/file.bin")).toBe("first-second-third");
    expect(second.store.head(BUCKET, "big/file.bin")?.contentType).toBe("application/x-big");
    await second.close();

    // Completed: the object stays, the upload does not come back, and no part file is left over.
    const third = await startLocalCloud({ dataDir: dir });
    try {
      expect(await storedText(third, BUCKET, "big/file.bin")).toBe("first-second-third");
      expect(third.store.listUploads(BUCKET)).toEqual([]);
      expect((await readdir(join(dir, "data"))).filter((file) => file.startsWith("part-"))).toEqual([]);
    } finally {
      await third.close();
    }
  });

  it("an aborted upload stays aborted after a restart, and its parts' files are gone", async () => {
    const dir = await dataDir();
    const first = await startLocalCloud({ dataDir: dir, buckets: [BUCKET] });
    const cos = sdkFor(first);
    const { UploadId } = await cos.multipartInit({ ...at, Key: "gone" });
    await cos.multipartUpload({ ...at, Key: "gone", UploadId, PartNumber: 1, Body: "x" });
    await cos.multipartAbort({ ...at, Key: "gone", UploadId });
    await first.close();
    const second = await startLocalCloud({ dataDir: dir });
    try {
      expect(second.store.listUploads(BUCKET)).toEqual([]);
      expect(await readdir(join(dir, "data"))).toEqual([]);
    } finally {
      await second.close();
    }
  });
});

describe("the journal, compacted while running", () => {
  it("is rewritten to the live state once enough lines were appended, and replays to the same state", async () => {
    const dir = await dataDir();
    const first = await startLocalCloud({ dataDir: dir, buckets: [BUCKET] });
    first.store.compactAfterLines = 5;
    const cos = sdkFor(first);
    for (let i = 0; i < 30; i++) await cos.putObject({ ...at, Key: "same", Body: `v${i}` });
    // Many writers at once, to other keys, while compactions run.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => cos.putObject({ ...at, Key: `many/${i}`, Body: `body ${i}` })),
    );
    const { UploadId } = await cos.multipartInit({ ...at, Key: "open" });
    await cos.multipartUpload({ ...at, Key: "open", UploadId, PartNumber: 1, Body: "p" });
    expect(first.store.compactions.get(BUCKET) ?? 0).toBeGreaterThan(3);
    await first.close();
    // 41 objects and one upload with its part: far fewer lines than the 73 writes.
    const lines = (await readFile(journalOf(dir), "utf8")).split("\n").filter(Boolean);
    expect(lines.length).toBeLessThan(73);

    const second = await startLocalCloud({ dataDir: dir });
    try {
      expect(await storedText(second, BUCKET, "same")).toBe("v29");
      for (let i = 0; i < 40; i++) expect(await storedText(second, BUCKET, `many/${i}`)).toBe(`body ${i}`);
      expect(second.store.listUploads(BUCKET).map((u) => [u.uploadId, u.parts.size])).toEqual([[UploadId, 1]]);
    } finally {
      await second.close();
    }
  });
});
