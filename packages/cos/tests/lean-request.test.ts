// The lean write path (PUT Object and Upload Part signed and sent by @cosfn/cos itself) against the local cloud,
// which verifies signatures and session tokens as COS does.
import { Readable } from "node:stream";
import { crc64 } from "@cosfn/checksums";
import { type LocalCloud, startLocalCloud } from "@cosfn/local-cloud";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CosClient, CosRequestError, createCosClient } from "../src/index.ts";
import { BUCKET, bytes, REGION, sha256, stored } from "./local.ts";

const TEMPORARY = {
  secretId: "AKIDtemporaryRoleCredentials0000000",
  secretKey: "temporaryRoleSecretKey000000000000",
  sessionToken: "session-token-of-the-execution-role",
};
const LIMITED = { secretId: "AKIDreadOnlyRoleCredentials00000000", secretKey: "readOnlyRoleSecretKey0000000000000" };

let cloud: LocalCloud;
let client: CosClient;

function clientWith(credentials: Record<string, string | undefined>): CosClient {
  return createCosClient(
    { region: REGION },
    {
      TENCENTCLOUD_SECRETID: credentials.secretId,
      TENCENTCLOUD_SECRETKEY: credentials.secretKey,
      TENCENTCLOUD_SESSIONTOKEN: credentials.sessionToken,
      COSFN_COS_ENDPOINT: cloud.endpoint,
    },
  );
}

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: [BUCKET],
    region: REGION,
    credentials: [TEMPORARY, LIMITED],
    policies: {
      [LIMITED.secretId]: {
        version: "2.0",
        statement: [
          {
            effect: "allow",
            action: "name/cos:GetObject",
            resource: `qcs::cos:${REGION}:uid/1250000000:${BUCKET}/*`,
          },
        ],
      },
    },
  });
  client = clientWith(TEMPORARY);
});
afterAll(() => cloud.close());
afterEach(() => cloud.faults.clear());

describe("signing", () => {
  it("signs PUTs the local cloud accepts, with keys that need encoding and every x-cos header signed", async () => {
    const keys = ["a b/c+d.txt", "中文/名字.txt", "odd!'()*~%20.txt", "deep/a/b/c/d.txt"];
    for (const key of keys) {
      const result = await client.writeObject({
        bucket: BUCKET,
        key,
        body: `body of ${key}`,
        contentType: "text/plain",
        metadata: { "cosfn-source": encodeURIComponent(key) },
        headers: { "Cache-Control": "max-age=60", "x-cos-storage-class": "STANDARD_IA" },
      });
      expect(result).toMatchObject({ size: Buffer.byteLength(`body of ${key}`), parts: 0 });
      expect((await stored(cloud, key)).toString()).toBe(`body of ${key}`);
      expect(cloud.store.head(BUCKET, key)).toMatchObject({
        contentType: "text/plain",
        storageClass: "STANDARD_IA",
        meta: { "x-cos-meta-cosfn-source": encodeURIComponent(key) },
        headers: { "cache-control": "max-age=60" },
      });
    }
  });

  it("signs Upload Part with its query (partNumber, uploadId)", async () => {
    const data = bytes(2 * 1024 * 1024 + 7, 5);
    const result = await client.writeObject({
      bucket: BUCKET,
      key: "parts.bin",
      body: Readable.from([data]),
      partSize: 1024 * 1024,
    });
    expect(result.parts).toBe(3);
    expect(cloud.store.head(BUCKET, "parts.bin")).toMatchObject({ size: data.length, etag: result.etag });
    expect(sha256(await stored(cloud, "parts.bin"))).toBe(sha256(data));
  });

  it("sends the session token: without it the same keys are refused", async () => {
    const noToken = clientWith({ secretId: TEMPORARY.secretId, secretKey: TEMPORARY.secretKey });
    for (const body of ["small", bytes(1024 * 1024 + 1)]) {
      const error = await noToken
        .writeObject({ bucket: BUCKET, key: "no-token.bin", body, partSize: 1024 * 1024 })
        .catch((e) => e);
      expect(error).toBeInstanceOf(CosRequestError);
      expect(error).toMatchObject({ code: "InvalidAccessKeyId", statusCode: 403, retryable: false });
    }
    expect(cloud.store.head(BUCKET, "no-token.bin")).toBeUndefined();
  });
});

describe("answers", () => {
  it("maps COS's error XML: NoSuchBucket with its status and request id, not retried", async () => {
    const before = cloud.requests.entries.length;
    const error = await client.writeObject({ bucket: "missing-1250000000", key: "x.txt", body: "x" }).catch((e) => e);
    expect(error).toBeInstanceOf(CosRequestError);
    expect(error).toMatchObject({
      code: "NoSuchBucket",
      statusCode: 404,
      retryable: false,
      bucket: "missing-1250000000",
      key: "x.txt",
    });
    expect(error.requestId).toMatch(/.+/);
    expect(error.message).toMatch(/^put cos:\/\/missing-1250000000\/x\.txt: NoSuchBucket: /);
    expect(cloud.requests.entries.length - before).toBe(1);
  });

  it("refuses a header HTTP cannot carry (a line break in metadata, text beyond Latin-1): InvalidHeader, nothing sent", async () => {
    const before = cloud.requests.entries.length;
    for (const metadata of [{ note: "a\r\nx-cos-acl: public-read" }, { note: "中文" }]) {
      const error = await client
        .writeObject({ bucket: BUCKET, key: "bad-header.txt", body: "x", metadata })
        .catch((e) => e);
      expect(error).toBeInstanceOf(CosRequestError);
      expect(error).toMatchObject({ code: "InvalidHeader", retryable: false, key: "bad-header.txt" });
      expect(error.message).toMatch(/x-cos-meta-note has a character HTTP cannot carry/);
    }
    expect(cloud.requests.entries.length).toBe(before);
    expect(cloud.store.head(BUCKET, "bad-header.txt")).toBeUndefined();
  });

  it("sends each header once: a caller's Host, Content-Length, Transfer-Encoding or Authorization is dropped, a name given in two cases counts once", async () => {
    const body = "the body, whole";
    const result = await client.writeObject({
      bucket: BUCKET,
      key: "lying-headers.txt",
      body,
      headers: {
        "content-length": "3",
        HOST: "other-1250000000.cos.ap-guangzhou.myqcloud.com",
        "Transfer-Encoding": "chunked",
        authorization: "q-sign-algorithm=sha1&forged",
        connection: "close",
        "cache-control": "max-age=1",
        "Cache-Control": "max-age=60",
      },
    });
    expect(result.size).toBe(Buffer.byteLength(body));
    expect((await stored(cloud, "lying-headers.txt")).toString()).toBe(body);
    expect(cloud.store.head(BUCKET, "lying-headers.txt")).toMatchObject({ headers: { "cache-control": "max-age=60" } });
  });

  it("maps AccessDenied for keys whose CAM policy does not allow the write", async () => {
    const error = await clientWith(LIMITED)
      .writeObject({ bucket: BUCKET, key: "denied.txt", body: "x" })
      .catch((e) => e);
    expect(error).toMatchObject({ code: "AccessDenied", statusCode: 403, retryable: false, key: "denied.txt" });
    expect(cloud.store.head(BUCKET, "denied.txt")).toBeUndefined();
  });

  it("retries a PUT answered 503 and stores the exact bytes once", async () => {
    const before = { ...cloud.faults.injected };
    cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", pattern: /retried\.txt/, times: 2 });
    cloud.faults.add({ fault: { kind: "reset" }, method: "PUT", pattern: /retried\.txt/, times: 1 });
    const result = await client.writeObject({ bucket: BUCKET, key: "retried.txt", body: "retried body" });
    expect(cloud.faults.injected.unavailable - before.unavailable).toBe(2);
    expect(cloud.faults.injected.reset - before.reset).toBe(1);
    expect(result.crc64).toBe(crc64(Buffer.from("retried body")));
    expect((await stored(cloud, "retried.txt")).toString()).toBe("retried body");
  });

  it("gives up after the attempts on a PUT that keeps failing, with the retryable SlowDown", async () => {
    const before = cloud.faults.injected.unavailable;
    cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", pattern: /down\.txt/ });
    const error = await client.writeObject({ bucket: BUCKET, key: "down.txt", body: "x", attempts: 2 }).catch((e) => e);
    expect(error).toMatchObject({ code: "SlowDown", statusCode: 503, retryable: true });
    expect(cloud.faults.injected.unavailable - before).toBe(2);
    expect(cloud.store.head(BUCKET, "down.txt")).toBeUndefined();
  });

  it("gives up on a connection silent for timeoutMs (ETIMEDOUT, transient) and retries", async () => {
    const patient = createCosClient(
      { region: REGION, timeoutMs: 2000 },
      {
        TENCENTCLOUD_SECRETID: TEMPORARY.secretId,
        TENCENTCLOUD_SECRETKEY: TEMPORARY.secretKey,
        TENCENTCLOUD_SESSIONTOKEN: TEMPORARY.sessionToken,
        COSFN_COS_ENDPOINT: cloud.endpoint,
      },
    );
    const before = cloud.faults.injected.latency;
    cloud.faults.add({ fault: { kind: "latency", ms: 10_000 }, method: "PUT", pattern: /silent\.txt/, times: 2 });
    const error = await patient
      .writeObject({ bucket: BUCKET, key: "silent.txt", body: "x", attempts: 1 })
      .catch((e) => e);
    expect(error).toBeInstanceOf(CosRequestError);
    expect(error).toMatchObject({ code: "ETIMEDOUT", retryable: true, key: "silent.txt" });
    const result = await patient.writeObject({ bucket: BUCKET, key: "silent.txt", body: "answered the second time" });
    expect(cloud.faults.injected.latency - before).toBe(2);
    expect(result.size).toBe(24);
    expect((await stored(cloud, "silent.txt")).toString()).toBe("answered the second time");
  });

  it("detects bytes that changed after they were checksummed: COS's CRC-64 differs (ChecksumMismatch)", async () => {
    // The body's chunk is changed after the writer read (and checksummed) it, before it is sent.
    const chunk = Buffer.from("original bytes");
    async function* changing() {
      yield chunk;
      chunk.write("tampered");
    }
    const error = await client.writeObject({ bucket: BUCKET, key: "changed.txt", body: changing() }).catch((e) => e);
    expect(error).toBeInstanceOf(CosRequestError);
    expect(error).toMatchObject({ code: "ChecksumMismatch", key: "changed.txt" });
    expect(error.message).toContain(`the bytes sent have ${crc64(Buffer.from("original bytes"))}`);
    expect(error.message).toContain(`COS stored CRC64 ${crc64(Buffer.from("tampered bytes"))}`);
  });
});

describe("multipart bodies copied into part buffers", () => {
  it("stores the exact bytes whatever the chunks: parts split inside chunks, a chunk of several parts, an exact end", async () => {
    const MIB = 1024 * 1024;
    const cases: { key: string; chunks: number[]; parts: number }[] = [
      // Ends exactly at a part boundary: the last part is a full buffer.
      {
        key: "exact.bin",
        chunks: Array.from({ length: 29 }, () => 104_858).concat([MIB * 3 - 104_858 * 29]),
        parts: 3,
      },
      // One chunk of three and a half parts first, then small ones.
      { key: "huge-chunk.bin", chunks: [3.5 * MIB, 1000, 70_000, MIB, 1], parts: 5 },
      // Chunks larger than a part once the upload is multipart.
      { key: "large-chunks.bin", chunks: [600_000, 600_000, 2.5 * MIB, 1.5 * MIB, 3], parts: 6 },
    ];
    let seed = 20;
    for (const { key, chunks, parts } of cases) {
      const pieces = chunks.map((length) => bytes(length, seed++));
      const data = Buffer.concat(pieces);
      const result = await client.writeObject({
        bucket: BUCKET,
        key,
        body: Readable.from(pieces),
        partSize: MIB,
        parallelism: 2,
      });
      expect(result).toMatchObject({ size: data.length, parts, crc64: crc64(data) });
      expect(cloud.store.head(BUCKET, key)).toMatchObject({ size: data.length, crc64: crc64(data) });
      expect(sha256(await stored(cloud, key))).toBe(sha256(data));
    }
    expect(cloud.store.listUploads(BUCKET)).toEqual([]);
  });
});

describe("abort", () => {
  it("abandons a part in flight when the signal aborts, and aborts the multipart upload", async () => {
    cloud.faults.add({ fault: { kind: "latency", ms: 10_000 }, method: "PUT", pattern: /slow\.bin.*partNumber=2/ });
    const latencyBefore = cloud.faults.injected.latency;
    const controller = new AbortController();
    const data = bytes(3 * 1024 * 1024, 2);
    const writing = client.writeObject({
      bucket: BUCKET,
      key: "slow.bin",
      body: Readable.from([data]),
      partSize: 1024 * 1024,
      parallelism: 3,
      signal: controller.signal,
    });
    // Abort once part 2 is on its way (the latency fault holds it).
    while (cloud.faults.injected.latency === latencyBefore) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error("deadline"));
    await expect(writing).rejects.toThrow("deadline");
    expect(cloud.store.head(BUCKET, "slow.bin")).toBeUndefined();
    expect(cloud.store.listUploads(BUCKET)).toEqual([]);
  });
});
