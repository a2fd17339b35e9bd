import { Readable } from "node:stream";
import { crc64 } from "@cosfn/checksums";
import { type LocalCloud, seedObject, startLocalCloud } from "@cosfn/local-cloud";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type CosClient,
  CosConfigError,
  CosObjectChangedError,
  CosRequestError,
  CosTagLimitError,
  createCosClient,
} from "../src/index.ts";
import { BUCKET, bytes, localCos, REGION, sha256, stored } from "./local.ts";

let cloud: LocalCloud;
let client: CosClient;

beforeAll(async () => {
  ({ cloud, client } = await localCos());
});
afterAll(() => cloud.close());
afterEach(() => cloud.faults.clear());

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe("createCosClient", () => {
  it("refuses to build without credentials, naming the variables", () => {
    expect(() => createCosClient({ region: REGION }, {})).toThrow(CosConfigError);
    expect(() => createCosClient({ region: REGION }, {})).toThrow("TENCENTCLOUD_SECRETID");
  });

  it("refuses a malformed endpoint", () => {
    expect(() =>
      createCosClient(
        { region: REGION },
        { TENCENTCLOUD_SECRETID: "a", TENCENTCLOUD_SECRETKEY: "b", COSFN_COS_ENDPOINT: "localhost" },
      ),
    ).toThrow("COSFN_COS_ENDPOINT");
  });

  it("signs for the real host, so a wrong key is refused with SignatureDoesNotMatch (not retryable)", async () => {
    const wrong = createCosClient(
      { region: REGION },
      {
        TENCENTCLOUD_SECRETID: cloud.credentials[0]?.secretId,
        TENCENTCLOUD_SECRETKEY: "wrong",
        COSFN_COS_ENDPOINT: cloud.endpoint,
      },
    );
    const error = await wrong.writeObject({ bucket: BUCKET, key: "x", body: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(CosRequestError);
    expect(error).toMatchObject({
      code: "SignatureDoesNotMatch",
      statusCode: 403,
      retryable: false,
      bucket: BUCKET,
      key: "x",
    });
    expect(error.message).toBe(
      "put cos://examplebucket-1250000000/x: SignatureDoesNotMatch: the request signature we calculated does not match the signature you provided",
    );
    expect(cloud.store.head(BUCKET, "x")).toBeUndefined();
  });
});

describe("head", () => {
  it("returns typed metadata, or null for a missing object", async () => {
    await client.writeObject({
      bucket: BUCKET,
      key: "h.txt",
      body: "hello",
      contentType: "text/plain",
      metadata: { owner: "me" },
    });
    const info = await client.head(BUCKET, "h.txt");
    expect(info).toMatchObject({
      size: 5,
      etag: "5d41402abc4b2a76b9719d911017c592",
      contentType: "text/plain",
      storageClass: "STANDARD",
      crc64: crc64(Buffer.from("hello")),
      metadata: { owner: "me" },
    });
    expect(info?.lastModified).toBeInstanceOf(Date);
    expect(await client.head(BUCKET, "missing")).toBeNull();
  });
});

describe("readStream and rangeSource", () => {
  const data = bytes(300_000, 7);
  beforeAll(() => client.writeObject({ bucket: BUCKET, key: "r.bin", body: data }));

  it("reads the whole object and ranges of it", async () => {
    expect(sha256(await collect(client.readStream(BUCKET, "r.bin")))).toBe(sha256(data));
    expect(await collect(client.readStream(BUCKET, "r.bin", { start: 1000, end: 1999 }))).toEqual(
      data.subarray(1000, 2000),
    );
    expect(await collect(client.readStream(BUCKET, "r.bin", { start: 299_990 }))).toEqual(data.subarray(299_990));
  });

  it("fails with NoSuchKey and passes none of COS's error XML on as data", async () => {
    const received: Buffer[] = [];
    const stream = client.readStream(BUCKET, "nope");
    stream.on("data", (chunk: Buffer) => received.push(chunk));
    const error = await new Promise((resolve) => stream.on("error", resolve));
    expect(error).toMatchObject({ code: "NoSuchKey", retryable: false });
    expect(Buffer.concat(received).length).toBe(0);
  });

  it("continues a read that was cut short from the first missing byte, delivering each byte once", async () => {
    cloud.faults.add({ fault: { kind: "truncate", fraction: 0.5 }, method: "GET", times: 1 });
    cloud.faults.add({ fault: { kind: "reset" }, method: "GET", times: 1 });
    expect(sha256(await collect(client.readStream(BUCKET, "r.bin")))).toBe(sha256(data));
    expect(cloud.faults.injected.truncate).toBeGreaterThanOrEqual(1);
    expect(cloud.faults.injected.reset).toBeGreaterThanOrEqual(1);
    cloud.faults.add({ fault: { kind: "truncate", fraction: 0.5 }, method: "GET", times: 1 });
    expect(sha256(await collect(client.readStream(BUCKET, "r.bin", { start: 1000, end: 200_999 })))).toBe(
      sha256(data.subarray(1000, 201_000)),
    );
  });

  it("fails with a retryable error once every attempt was cut short", async () => {
    cloud.faults.add({ fault: { kind: "truncate", fraction: 0.5 }, method: "GET" });
    const error = await collect(client.readStream(BUCKET, "r.bin", undefined, { attempts: 3 })).catch((e) => e);
    expect(error).toBeInstanceOf(CosRequestError);
    expect(error.retryable).toBe(true);
    expect(cloud.faults.injected.truncate).toBeGreaterThanOrEqual(3);
  });

  it("gives unzipper's Open.custom what it reads: size() and stream(offset, length)", async () => {
    const source = client.rangeSource(BUCKET, "r.bin");
    expect(await source.size()).toBe(data.length);
    expect(await collect(source.stream(100, 50))).toEqual(data.subarray(100, 150));
    expect(await collect(source.stream(299_000))).toEqual(data.subarray(299_000));
    await expect(client.rangeSource(BUCKET, "missing").size()).rejects.toMatchObject({ code: "NoSuchKey" });
  });
});

describe("reads pinned to an ETag", () => {
  it("reads with ifMatch while the object is unchanged, and fails with ObjectChanged once it is replaced", async () => {
    const first = await client.writeObject({ bucket: BUCKET, key: "pinned.bin", body: bytes(50_000, 1) });
    const source = client.rangeSource(BUCKET, "pinned.bin", 50_000, { ifMatch: first.etag });
    expect(await collect(source.stream(0, 100))).toEqual(bytes(50_000, 1).subarray(0, 100));
    await client.writeObject({ bucket: BUCKET, key: "pinned.bin", body: bytes(50_000, 2) });
    const error = await collect(source.stream(100, 100)).catch((e) => e);
    expect(error).toBeInstanceOf(CosObjectChangedError);
    expect(error).toMatchObject({
      code: "ObjectChanged",
      statusCode: 412,
      retryable: false,
      transient: false,
      expectedEtag: first.etag,
      key: "pinned.bin",
    });
    expect(error.message).toContain(`cos://${BUCKET}/pinned.bin`);
  });

  it("resumes a cut-short read only from the same version: a replaced object fails instead of mixing bytes", async () => {
    await client.writeObject({ bucket: BUCKET, key: "mix.bin", body: bytes(300_000, 3) });
    // The first answer is cut in half; before the resumed request, the object is replaced.
    cloud.faults.add({ fault: { kind: "truncate", fraction: 0.5 }, method: "GET", times: 1 });
    const stream = client.readStream(BUCKET, "mix.bin");
    const received: Buffer[] = [];
    let replaced = false;
    const error = await (async () => {
      for await (const chunk of stream) {
        received.push(chunk as Buffer);
        if (!replaced) {
          replaced = true;
          await client.writeObject({ bucket: BUCKET, key: "mix.bin", body: bytes(300_000, 4) });
        }
      }
    })().catch((e) => e);
    expect(error).toBeInstanceOf(CosObjectChangedError);
    const got = Buffer.concat(received);
    expect(got.length).toBeLessThan(300_000);
    expect(got).toEqual(bytes(300_000, 3).subarray(0, got.length));
  });
});

describe("writeObject", () => {
  it("sends a small body in one PUT", async () => {
    const result = await client.writeObject({
      bucket: BUCKET,
      key: "small.txt",
      body: "small body",
      headers: { "Cache-Control": "no-cache" },
    });
    expect(result).toMatchObject({ size: 10, parts: 0, crc64: crc64(Buffer.from("small body")) });
    expect(await stored(cloud, "small.txt")).toEqual(Buffer.from("small body"));
    expect(cloud.store.head(BUCKET, "small.txt")?.headers).toEqual({ "cache-control": "no-cache" });
  });

  it("streams a large body as a multipart upload, in order, with the multipart ETag", async () => {
    const data = bytes(5 * 1024 * 1024 + 12_345, 3);
    const chunks = Array.from({ length: Math.ceil(data.length / 65_536) }, (_, i) =>
      data.subarray(i * 65_536, (i + 1) * 65_536),
    );
    const result = await client.writeObject({
      bucket: BUCKET,
      key: "big/part.bin",
      body: Readable.from(chunks),
      partSize: 1024 * 1024,
      parallelism: 3,
      contentType: "application/x-test",
      metadata: { "cosfn-writer": "test" },
    });
    expect(result.parts).toBe(6);
    expect(result.etag).toMatch(/^[0-9a-f]{32}-6$/);
    const object = cloud.store.head(BUCKET, "big/part.bin");
    expect(object).toMatchObject({
      size: data.length,
      etag: result.etag,
      crc64: crc64(data),
      contentType: "application/x-test",
    });
    expect(object?.meta).toEqual({ "x-cos-meta-cosfn-writer": "test" });
    expect(sha256(await stored(cloud, "big/part.bin"))).toBe(sha256(data));
    expect(cloud.store.listUploads(BUCKET)).toEqual([]);
  });

  it("retries parts that fail with 503 and resets, and still stores the exact bytes", async () => {
    const data = bytes(4 * 1024 * 1024 + 1, 9);
    cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", pattern: /partNumber=2/, times: 2 });
    cloud.faults.add({ fault: { kind: "reset" }, method: "PUT", pattern: /partNumber=3/, times: 1 });
    const result = await client.writeObject({
      bucket: BUCKET,
      key: "retry.bin",
      body: Readable.from([data]),
      partSize: 1024 * 1024,
    });
    expect(result.parts).toBe(5);
    expect(cloud.faults.injected.unavailable).toBeGreaterThanOrEqual(2);
    expect(cloud.faults.injected.reset).toBeGreaterThanOrEqual(1);
    expect(sha256(await stored(cloud, "retry.bin"))).toBe(sha256(data));
  });

  it("aborts the multipart upload when a part keeps failing, leaving no object and no upload", async () => {
    cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", pattern: /partNumber=2/ });
    const error = await client
      .writeObject({
        bucket: BUCKET,
        key: "fail.bin",
        body: Readable.from([bytes(3 * 1024 * 1024)]),
        partSize: 1024 * 1024,
        attempts: 2,
      })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "SlowDown", retryable: true });
    expect(cloud.store.head(BUCKET, "fail.bin")).toBeUndefined();
    expect(cloud.store.listUploads(BUCKET)).toEqual([]);
  });

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    async function* slow() {
      yield bytes(1024 * 1024 + 10);
      controller.abort(new Error("deadline"));
      yield bytes(1024 * 1024);
    }
    await expect(
      client.writeObject({
        bucket: BUCKET,
        key: "aborted.bin",
        body: slow(),
        partSize: 1024 * 1024,
        signal: controller.signal,
      }),
    ).rejects.toThrow("deadline");
    expect(cloud.store.head(BUCKET, "aborted.bin")).toBeUndefined();
    expect(cloud.store.listUploads(BUCKET)).toEqual([]);
  });
});

describe("writer metadata", () => {
  it("is set on every write, PUT and multipart, and a write's own metadata or headers cannot override it", async () => {
    const marked = client.withWriterMetadata({ "cosfn-function": "unit" });
    expect(client.writerMetadata).toEqual({});
    await marked.writeObject({
      bucket: BUCKET,
      key: "marked/small.txt",
      body: "x",
      metadata: { "cosfn-function": "someone-else", a: "1" },
      headers: { "x-cos-meta-cosfn-function": "sneaky" },
    });
    await marked.writeObject({
      bucket: BUCKET,
      key: "marked/big.bin",
      body: bytes(3 * 1024 * 1024),
      partSize: 1024 * 1024,
    });
    expect(cloud.store.head(BUCKET, "marked/small.txt")?.meta).toEqual({
      "x-cos-meta-cosfn-function": "unit",
      "x-cos-meta-a": "1",
    });
    expect(cloud.store.head(BUCKET, "marked/big.bin")?.meta).toEqual({ "x-cos-meta-cosfn-function": "unit" });
  });

  it("is set on a copy, which keeps the source's type and other metadata", async () => {
    await client.writeObject({
      bucket: BUCKET,
      key: "copy/src.txt",
      body: "hello",
      contentType: "text/plain",
      metadata: { origin: "a" },
    });
    const marked = client.withWriterMetadata({ "cosfn-function": "unit" });
    await marked.copyObject({ bucket: BUCKET, key: "copy/src.txt" }, { bucket: BUCKET, key: "copy/dst.txt" });
    const copied = cloud.store.head(BUCKET, "copy/dst.txt");
    expect(copied?.meta).toEqual({ "x-cos-meta-origin": "a", "x-cos-meta-cosfn-function": "unit" });
    expect(copied?.contentType).toBe("text/plain");
    expect((await stored(cloud, "copy/dst.txt")).toString()).toBe("hello");
    await client.copyObject({ bucket: BUCKET, key: "copy/src.txt" }, { bucket: BUCKET, key: "copy/plain.txt" });
    expect(cloud.store.head(BUCKET, "copy/plain.txt")?.meta).toEqual({ "x-cos-meta-origin": "a" });
  });
});

describe("state", () => {
  it("tells an object, a missing key and a delete marker apart", async () => {
    await client.writeObject({ bucket: BUCKET, key: "state/here.txt", body: "x" });
    expect(await client.state(BUCKET, "state/here.txt")).toMatchObject({ exists: true, info: { size: 1 } });
    expect(await client.state(BUCKET, "state/nowhere.txt")).toEqual({
      exists: false,
      deleteMarker: false,
      versionId: null,
    });
    // On a versioned bucket a delete leaves a delete marker: HEAD answers 404 with x-cos-delete-marker.
    const versioned = "versioned-1250000000";
    await cloud.store.ensureBucket(versioned, REGION);
    await cloud.store.setVersioning(versioned, "Enabled");
    await client.writeObject({ bucket: versioned, key: "gone.txt", body: "x" });
    await client.deleteObject(versioned, "gone.txt");
    const gone = await client.state(versioned, "gone.txt");
    expect(gone).toMatchObject({ exists: false, deleteMarker: true });
    expect(gone.exists === false && gone.versionId).toBeTruthy();
  });

  it("lists from a marker: only the keys after it", async () => {
    for (const key of ["from/a", "from/b", "from/c"]) await client.writeObject({ bucket: BUCKET, key, body: "x" });
    const keys: string[] = [];
    for await (const object of client.list(BUCKET, { prefix: "from/", marker: "from/a" })) keys.push(object.key);
    expect(keys).toEqual(["from/b", "from/c"]);
  });
});

describe("deleteObjects", () => {
  it("deletes many keys in requests of 1,000 and leaves the others", async () => {
    const keys = Array.from({ length: 1203 }, (_, i) => `many/${String(i).padStart(4, "0")}`);
    // Seeded straight into the store: the test is about the deletes.
    for (const key of [...keys, "many/keep"]) await seedObject(cloud, BUCKET, key, "x");
    const before = cloud.requests.entries.length;
    expect(await client.deleteObjects(BUCKET, keys)).toEqual([]);
    const requests = cloud.requests.entries.slice(before);
    expect(requests.map((r) => `${r.method} ${r.action}`)).toEqual([
      "POST name/cos:DeleteMultipleObjects",
      "POST name/cos:DeleteMultipleObjects",
    ]);
    expect(cloud.store.list(BUCKET, { prefix: "many/" }).objects.map((o) => o.key)).toEqual(["many/keep"]);
  }, 60_000);
});

describe("list", () => {
  it("iterates every object under a prefix across pages", async () => {
    const attributes = { contentType: "text/plain", headers: {}, meta: {}, storageClass: "STANDARD", tags: [] };
    for (let i = 0; i < 1203; i++) {
      await cloud.store.put(
        BUCKET,
        `listing/${String(i).padStart(4, "0")}`,
        Readable.from([Buffer.from("x")]),
        attributes,
      );
    }
    const keys: string[] = [];
    for await (const object of client.list(BUCKET, { prefix: "listing/" })) {
      expect(object).toMatchObject({ size: 1, storageClass: "STANDARD" });
      keys.push(object.key);
    }
    expect(keys).toEqual(Array.from({ length: 1203 }, (_, i) => `listing/${String(i).padStart(4, "0")}`));
  }, 60_000);
});

describe("mergeTags", () => {
  it("keeps existing tags, overwrites repeated ones, and refuses to pass 10", async () => {
    await client.writeObject({ bucket: BUCKET, key: "tags.txt", body: "t" });
    await client.mergeTags(BUCKET, "tags.txt", { a: "1", b: "2" });
    expect(await client.mergeTags(BUCKET, "tags.txt", { b: "3", c: "4" })).toEqual({ a: "1", b: "3", c: "4" });
    expect(cloud.store.head(BUCKET, "tags.txt")?.tags).toEqual([
      ["a", "1"],
      ["b", "3"],
      ["c", "4"],
    ]);
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`n${i}`, "v"]));
    const error = await client.mergeTags(BUCKET, "tags.txt", eight).catch((e) => e);
    expect(error).toBeInstanceOf(CosTagLimitError);
    expect(error.message).toContain("would give 11");
    expect(cloud.store.head(BUCKET, "tags.txt")?.tags).toHaveLength(3);
  });
});

describe("setObjectAcl", () => {
  it("sets the object's canned ACL, and back to the bucket's default", async () => {
    await client.writeObject({ bucket: BUCKET, key: "acl.txt", body: "a" });
    await client.setObjectAcl(BUCKET, "acl.txt", "private");
    expect(cloud.store.head(BUCKET, "acl.txt")?.acl).toBe("private");
    await client.setObjectAcl(BUCKET, "acl.txt", "public-read");
    expect(cloud.store.head(BUCKET, "acl.txt")?.acl).toBe("public-read");
    await client.setObjectAcl(BUCKET, "acl.txt", "default");
    expect(cloud.store.head(BUCKET, "acl.txt")?.acl).toBe("default");
  });
});

describe("processObject", () => {
  it("sends a signed GET with the query parameters and returns the answer's body and headers", async () => {
    const ci = await startLocalCloud({
      buckets: [BUCKET],
      region: REGION,
      cloudInfinite: {
        recognizer: {
          detectLabel: async ({ key, info }) => [{ name: `${key}:${info.format}`, confidence: 88 }],
        },
      },
    });
    try {
      const [credentials] = ci.credentials;
      const local = createCosClient(
        { region: REGION },
        {
          TENCENTCLOUD_SECRETID: credentials?.secretId,
          TENCENTCLOUD_SECRETKEY: credentials?.secretKey,
          COSFN_COS_ENDPOINT: ci.endpoint,
        },
      );
      // A 1x1 PNG is too small for detect-label (32x32 at least): a 32x32 one passes.
      const png = Buffer.from(
        "89504e470d0a1a0a0000000d4948445200000020000000200806000000737a7af40000000970485973000003e8000003e801b57b526b0000001a494441545885edc101010000008220ffaf6e484001000000ef06102000014701a0880000000049454e44ae426082",
        "hex",
      );
      await local.writeObject({ bucket: BUCKET, key: "photos/a b.png", body: png });
      const answer = await local.processObject(BUCKET, "photos/a b.png", { "ci-process": "detect-label" });
      expect(answer.body.toString()).toContain("<Name>photos/a b.png:png</Name>");
      expect(answer.headers["content-type"]).toContain("xml");
      const request = ci.requests.entries.find((entry) => entry.needs.some((n) => n.action.startsWith("ci:")));
      expect(request?.needs[0]?.action).toBe("ci:CreateDetectLabelJob");
      const missing = await local.processObject(BUCKET, "nope.png", { "ci-process": "detect-label" }).catch((e) => e);
      expect(missing).toBeInstanceOf(CosRequestError);
      expect(missing).toMatchObject({ code: "NoSuchKey", statusCode: 404, retryable: false });
    } finally {
      await ci.close();
    }
  });
});
