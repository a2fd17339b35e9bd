import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { crc64 } from "@cosfn/checksums";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud, storedBytes } from "../src/index.ts";
import { at, BUCKET, rawRequest, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());

const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");

describe("PUT and GET objects", () => {
  it("stores a buffer with COS's headers: ETag (MD5), CRC64, type, metadata, storage class", async () => {
    const body = Buffer.from("hello, cos");
    const put = await cos.putObject({
      ...at,
      Key: "docs/hello.txt",
      Body: body,
      ContentType: "text/plain",
      StorageClass: "STANDARD_IA",
      Headers: { "x-cos-meta-owner": "alice", "Cache-Control": "max-age=60" },
    });
    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(put.headers?.["x-cos-hash-crc64ecma"]).toBe(crc64(body));
    expect(put.headers?.["x-cos-request-id"]).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(await storedBytes(cloud, BUCKET, "docs/hello.txt")).toEqual(body);

    const head = await cos.headObject({ ...at, Key: "docs/hello.txt" });
    expect(head.headers).toMatchObject({
      "content-length": String(body.length),
      "content-type": "text/plain",
      etag: `"${md5(body)}"`,
      "x-cos-hash-crc64ecma": crc64(body),
      "x-cos-meta-owner": "alice",
      "x-cos-storage-class": "STANDARD_IA",
      "cache-control": "max-age=60",
    });
    expect(new Date(head.headers?.["last-modified"] as string).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it("stores a chunked stream of unknown length", async () => {
    const parts = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    await cos.putObject({ ...at, Key: "stream.bin", Body: Readable.from(parts) });
    expect(await storedBytes(cloud, BUCKET, "stream.bin")).toEqual(Buffer.concat(parts));
  });

  it("answers single ranges with 206, suffix ranges, and 416 past the end", async () => {
    const body = Buffer.from("0123456789");
    await cos.putObject({ ...at, Key: "range.txt", Body: body });
    const middle = await cos.getObject({ ...at, Key: "range.txt", Range: "bytes=2-5" });
    expect(middle.statusCode).toBe(206);
    expect(middle.Body.toString()).toBe("2345");
    expect(middle.headers?.["content-range"]).toBe("bytes 2-5/10");
    expect((await cos.getObject({ ...at, Key: "range.txt", Range: "bytes=-3" })).Body.toString()).toBe("789");
    expect((await cos.getObject({ ...at, Key: "range.txt", Range: "bytes=7-" })).Body.toString()).toBe("789");
    expect((await cos.getObject({ ...at, Key: "range.txt", Range: "bytes=8-100" })).Body.toString()).toBe("89");
    const past = await rejection(cos.getObject({ ...at, Key: "range.txt", Range: "bytes=10-12" }));
    expect(past).toMatchObject({ code: "InvalidRange", statusCode: 416 });
  });

  it("answers errors as COS error XML with the code, message and request id", async () => {
    const missing = await rejection(cos.getObject({ ...at, Key: "no/such/key" }));
    expect(missing).toMatchObject({ code: "NoSuchKey", statusCode: 404 });
    expect((missing as { error?: { RequestId?: string } }).error?.RequestId).toBeTruthy();
    const noBucket = await rejection(
      cos.putObject({ Bucket: "nobucket-1250000000", Region: at.Region, Key: "k", Body: "x" }),
    );
    expect(noBucket).toMatchObject({ code: "NoSuchBucket", statusCode: 404 });
    const head = await rejection(cos.headObject({ ...at, Key: "no/such/key" }));
    expect(head.statusCode).toBe(404);
  });

  it("checks Content-MD5", async () => {
    const bad = await rejection(
      cos.putObject({
        ...at,
        Key: "md5.txt",
        Body: Buffer.from("abc"),
        Headers: { "Content-MD5": Buffer.alloc(16).toString("base64") },
      }),
    );
    expect(bad).toMatchObject({ code: "BadDigest" });
    expect(cloud.store.head(BUCKET, "md5.txt")).toBeUndefined();
  });

  it("refuses a simple upload over 5 GB before reading it", async () => {
    const huge = await rawRequest(cloud, {
      method: "PUT",
      key: "huge.bin",
      body: "x",
      headers: { "content-length": String(6 * 1024 ** 3) },
    });
    expect(huge.status).toBe(400);
    expect(huge.body).toContain("<Code>EntityTooLarge</Code>");
    expect(cloud.store.head(BUCKET, "huge.bin")).toBeUndefined();
  });

  it("stores the tags given with x-cos-tagging on upload", async () => {
    await cos.putObject({ ...at, Key: "tagged-on-put", Body: "t", Headers: { "x-cos-tagging": "team=a&env=dev%20x" } });
    expect(cloud.store.head(BUCKET, "tagged-on-put")?.tags).toEqual([
      ["team", "a"],
      ["env", "dev x"],
    ]);
  });

  it("deletes objects, one or many, and deleting a missing key succeeds", async () => {
    for (const key of ["del/a", "del/b", "del/c"]) await cos.putObject({ ...at, Key: key, Body: key });
    await cos.deleteObject({ ...at, Key: "del/a" });
    expect(cloud.store.head(BUCKET, "del/a")).toBeUndefined();
    await cos.deleteObject({ ...at, Key: "del/never" });
    const many = await cos.deleteMultipleObject({
      ...at,
      Objects: [{ Key: "del/b" }, { Key: "del/c" }, { Key: "del/x" }],
    });
    expect(many.Deleted.map((d) => d.Key).sort()).toEqual(["del/b", "del/c", "del/x"]);
    expect(cloud.store.list(BUCKET, { prefix: "del/" }).objects).toEqual([]);
  });

  it("copies with the source's metadata, or with new metadata when replaced", async () => {
    await cos.putObject({
      ...at,
      Key: "copy/src",
      Body: "copy me",
      ContentType: "text/x-src",
      Headers: { "x-cos-meta-a": "1" },
    });
    const source = `${BUCKET}.cos.${at.Region}.myqcloud.com/copy/src`;
    await cos.putObjectCopy({ ...at, Key: "copy/same", CopySource: source });
    expect(cloud.store.head(BUCKET, "copy/same")).toMatchObject({
      contentType: "text/x-src",
      meta: { "x-cos-meta-a": "1" },
    });
    await cos.putObjectCopy({
      ...at,
      Key: "copy/replaced",
      CopySource: source,
      MetadataDirective: "Replaced",
      ContentType: "text/x-new",
      Headers: { "x-cos-meta-b": "2" },
    } as Parameters<typeof cos.putObjectCopy>[0]);
    expect(cloud.store.head(BUCKET, "copy/replaced")).toMatchObject({
      contentType: "text/x-new",
      meta: { "x-cos-meta-b": "2" },
    });
    expect((await storedBytes(cloud, BUCKET, "copy/replaced")).toString()).toBe("copy me");
    const missing = await rejection(
      cos.putObjectCopy({ ...at, Key: "copy/x", CopySource: `${BUCKET}.cos.${at.Region}.myqcloud.com/copy/none` }),
    );
    expect(missing).toMatchObject({ code: "NoSuchKey" });
  });

  it("puts, gets and deletes object tags, at most 10", async () => {
    await cos.putObject({ ...at, Key: "tagged", Body: "t" });
    await cos.putObjectTagging({
      ...at,
      Key: "tagged",
      Tags: [
        { Key: "team", Value: "a" },
        { Key: "env", Value: "dev" },
      ],
    });
    expect(cloud.store.head(BUCKET, "tagged")?.tags).toEqual([
      ["team", "a"],
      ["env", "dev"],
    ]);
    expect((await cos.getObjectTagging({ ...at, Key: "tagged" })).Tags).toEqual([
      { Key: "team", Value: "a" },
      { Key: "env", Value: "dev" },
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect(await rejection(cos.putObjectTagging({ ...at, Key: "tagged", Tags: eleven }))).toMatchObject({
      code: "InvalidTag",
    });
    expect(cloud.store.head(BUCKET, "tagged")?.tags).toHaveLength(2);
    await cos.deleteObjectTagging({ ...at, Key: "tagged" });
    expect(cloud.store.head(BUCKET, "tagged")?.tags).toEqual([]);
  });
});

describe("buckets and listing", () => {
  it("creates and heads buckets", async () => {
    await cos.putBucket({ Bucket: "newbucket-1250000000", Region: "ap-shanghai" });
    expect(cloud.store.getBucket("newbucket-1250000000")?.region).toBe("ap-shanghai");
    await cos.headBucket({ Bucket: "newbucket-1250000000", Region: "ap-shanghai" });
    expect((await rejection(cos.headBucket({ Bucket: "none-1250000000", Region: "ap-shanghai" }))).statusCode).toBe(
      404,
    );
    expect(await rejection(cos.putBucket({ Bucket: "newbucket-1250000000", Region: "ap-shanghai" }))).toMatchObject({
      code: "BucketAlreadyOwnedByYou",
    });
  });

  it("lists with prefix, delimiter, marker, max-keys, NextMarker and IsTruncated", async () => {
    // COS orders keys by their UTF-8 bytes: "z" (0x7a) comes before "é" (0xc3 0xa9).
    const keys = ["list/a.txt", "list/b/1.txt", "list/b/2.txt", "list/c.txt", "list/d/1.txt", "list/z", "list/é.txt"];
    for (const key of keys) await cos.putObject({ ...at, Key: key, Body: key });
    const all = await cos.getBucket({ ...at, Prefix: "list/" });
    expect(all.Contents.map((c) => c.Key)).toEqual(keys);
    expect(all.Contents[0]).toMatchObject({ Size: "10", StorageClass: "STANDARD" });

    const folders = await cos.getBucket({ ...at, Prefix: "list/", Delimiter: "/" });
    expect(folders.Contents.map((c) => c.Key)).toEqual(["list/a.txt", "list/c.txt", "list/z", "list/é.txt"]);
    expect(folders.CommonPrefixes.map((p) => p.Prefix)).toEqual(["list/b/", "list/d/"]);

    const pages: string[][] = [];
    let marker = "";
    for (;;) {
      const page = await cos.getBucket({ ...at, Prefix: "list/", Delimiter: "/", MaxKeys: 2, Marker: marker });
      pages.push([...page.CommonPrefixes.map((p) => p.Prefix), ...page.Contents.map((c) => c.Key)].sort());
      if (page.IsTruncated !== "true") break;
      marker = page.NextMarker as string;
    }
    expect(pages).toEqual([
      ["list/a.txt", "list/b/"],
      ["list/c.txt", "list/d/"],
      ["list/z", "list/é.txt"],
    ]);
  });

  it("lists thousands of keys in pages of 1,000", async () => {
    const store = cloud.store;
    await store.ensureBucket("many-1250000000", at.Region);
    const attributes = { contentType: "text/plain", headers: {}, meta: {}, storageClass: "STANDARD", tags: [] };
    for (let i = 0; i < 2100; i++) {
      await store.put(
        "many-1250000000",
        `k/${String(i).padStart(5, "0")}`,
        Readable.from([Buffer.from("x")]),
        attributes,
      );
    }
    const first = await cos.getBucket({ Bucket: "many-1250000000", Region: at.Region, Prefix: "k/" });
    expect(first.Contents).toHaveLength(1000);
    expect(first.IsTruncated).toBe("true");
    expect(first.NextMarker).toBe("k/00999");
    const third = await cos.getBucket({
      Bucket: "many-1250000000",
      Region: at.Region,
      Prefix: "k/",
      Marker: "k/01999",
    });
    expect(third.Contents.map((c) => c.Key)).toEqual(
      Array.from({ length: 100 }, (_, i) => `k/${String(2000 + i).padStart(5, "0")}`),
    );
    expect(third.IsTruncated).toBe("false");
  }, 60_000);
});

describe("object keys", () => {
  const keys = [
    "a b/测试.txt",
    "plus+and%percent",
    "hash#and?question=1&x",
    "emoji/🐱🎉.png",
    "double//slash",
    "../escape/../attempt",
    "./dot",
    "folder/",
    "!'()*~",
    "k".repeat(850),
    "测".repeat(283),
  ];

  it.each(keys.map((key) => [key.length > 40 ? `${key.slice(0, 10)}... (${key.length})` : key, key]))(
    "%s round-trips through PUT, HEAD, GET, list and DELETE",
    async (_label, key) => {
      const body = Buffer.from(`body of ${key}`);
      await cos.putObject({ ...at, Key: key, Body: body });
      expect(cloud.store.head(BUCKET, key)?.size).toBe(body.length);
      expect((await cos.getObject({ ...at, Key: key })).Body).toEqual(body);
      const listed = await cos.getBucket({ ...at, Prefix: key });
      expect(listed.Contents.map((c) => c.Key)).toContain(key);
      await cos.deleteObject({ ...at, Key: key });
      expect(cloud.store.head(BUCKET, key)).toBeUndefined();
    },
  );

  it("refuses keys over 850 bytes", async () => {
    expect(await rejection(cos.putObject({ ...at, Key: "k".repeat(851), Body: "x" }))).toMatchObject({
      code: "KeyTooLong",
    });
  });
});
