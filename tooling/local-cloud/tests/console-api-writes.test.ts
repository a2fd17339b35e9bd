import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Invocation,
  type LocalCloud,
  seedObject,
  startLocalCloud,
  storedBytes,
  storedText,
} from "../src/index.ts";
import { consoleCall, objectPath } from "./console-client.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

const VERSIONED = "versioned-1250000000";
let cloud: LocalCloud;
const invoked: Invocation[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: [BUCKET, { name: VERSIONED, versioning: "Enabled" }],
    console: {},
    triggers: { retryDelaysMs: [] },
  });
  for (const bucket of [BUCKET, VERSIONED])
    cloud.triggers.add({
      bucket,
      events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
      functionName: `watch-${bucket}`,
      handler: () => "seen",
    });
});
afterAll(() => cloud.close());

function md5(data: string | Buffer): string {
  return createHash("md5").update(data).digest("hex");
}

/** The invocations of the key's events, once every invocation has ended. */
async function invocationsOf(key: string): Promise<Invocation[]> {
  await cloud.triggers.idle();
  invoked.splice(0, invoked.length, ...cloud.triggers.invocations.filter((invocation) => invocation.key === key));
  return invoked;
}

describe("PUT /api/buckets/:bucket/object: an upload through the COS endpoint", () => {
  it("stores the body with its Content-Type, logs a signed PUT Object and fires the trigger", async () => {
    const key = "上传/a b+c.txt";
    const put = await consoleCall(cloud, "PUT", objectPath(BUCKET, "object", { key }), {
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: "hello console",
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({ bucket: BUCKET, key, etag: md5("hello console"), size: 13, versionId: null });
    expect(await storedText(cloud, BUCKET, key)).toBe("hello console");
    expect(cloud.store.head(BUCKET, key)?.contentType).toBe("text/plain; charset=utf-8");
    const logged = cloud.requests.filter((entry) => entry.key === key);
    expect(logged).toMatchObject([
      {
        service: "cos",
        method: "PUT",
        bucket: BUCKET,
        status: 200,
        action: "name/cos:PutObject",
        secretId: cloud.credentials[0]?.secretId,
        bytesIn: 13,
      },
    ]);
    expect(await invocationsOf(key)).toMatchObject([
      { functionName: `watch-${BUCKET}`, eventName: "cos:ObjectCreated:Put", status: "succeeded" },
    ]);
  });

  it("stores keys with .., reserved characters, Chinese and spaces exactly as given", async () => {
    for (const key of ["docs/../up.txt", "q?a#b%20c+d&e=f.txt", "空 格/报告.txt", "trailing/"]) {
      const put = await consoleCall(cloud, "PUT", objectPath(BUCKET, "object", { key }), { body: key });
      expect({ key, status: put.status, answered: put.json?.key }).toEqual({ key, status: 200, answered: key });
      expect(await storedText(cloud, BUCKET, key)).toBe(key);
    }
  });

  it("streams a large body in chunks and defaults the type to application/octet-stream", async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 7, 0x61);
    body.write("start", 0);
    const put = await consoleCall(cloud, "PUT", objectPath(BUCKET, "object", { key: "big/blob.bin" }), { body });
    expect(put.json).toMatchObject({ etag: md5(body), size: body.length });
    expect((await storedBytes(cloud, BUCKET, "big/blob.bin")).equals(body)).toBe(true);
    expect(cloud.store.head(BUCKET, "big/blob.bin")?.contentType).toBe("application/octet-stream");
  });

  it("answers the version written in a versioned bucket", async () => {
    const first = await consoleCall(cloud, "PUT", objectPath(VERSIONED, "object", { key: "v.txt" }), { body: "1" });
    const second = await consoleCall(cloud, "PUT", objectPath(VERSIONED, "object", { key: "v.txt" }), { body: "22" });
    expect(first.json?.versionId).toEqual(expect.any(String));
    expect(second.json?.versionId).not.toBe(first.json?.versionId);
    expect(cloud.store.head(VERSIONED, "v.txt")?.versionId).toBe(second.json?.versionId);
    expect(cloud.store.version(VERSIONED, "v.txt", first.json?.versionId as string)?.size).toBe(1);
  });

  it("refuses a missing key, an unknown bucket and a body of unknown length, storing nothing", async () => {
    const noKey = await consoleCall(cloud, "PUT", `/api/buckets/${BUCKET}/object`, { body: "x" });
    expect(noKey).toMatchObject({ status: 400, json: { error: { code: "MissingKey" } } });
    const noBucket = await consoleCall(cloud, "PUT", objectPath("nobucket-1250000000", "object", { key: "k" }), {
      body: "x",
    });
    expect(noBucket).toMatchObject({ status: 404, json: { error: { code: "NoSuchBucket" } } });
    const chunked = await consoleCall(cloud, "PUT", objectPath(BUCKET, "object", { key: "chunked.txt" }), {
      headers: { "transfer-encoding": "chunked" },
      body: "x",
    });
    expect(chunked).toMatchObject({ status: 411, json: { error: { code: "MissingContentLength" } } });
    expect(cloud.store.head(BUCKET, "chunked.txt")).toBeUndefined();
  });

  it("stores nothing of an upload whose client announced more than it sent and went away", async () => {
    const url = new URL(cloud.console?.url as string);
    const path = objectPath(VERSIONED, "object", { key: "cut.bin" });
    await new Promise<void>((resolve, reject) => {
      const lying = request({
        host: url.hostname,
        port: url.port,
        method: "PUT",
        path,
        headers: { "content-length": "1000", "content-type": "application/octet-stream" },
      });
      lying.on("error", () => resolve());
      lying.on("response", () => reject(new Error("the console answered an upload that never finished")));
      // Once the first bytes went through to the COS side, the client goes.
      lying.write("0123456789", () => setImmediate(() => lying.destroy()));
      lying.on("close", () => resolve());
    });
    // A whole upload of the key afterwards: the versioned bucket then holds it alone, with its bytes.
    const whole = await consoleCall(cloud, "PUT", path, { body: "whole" });
    expect(whole.status).toBe(200);
    expect(await storedText(cloud, VERSIONED, "cut.bin")).toBe("whole");
    const versions = (await consoleCall(cloud, "GET", objectPath(VERSIONED, "object", { key: "cut.bin" }))).json
      ?.versions as unknown[];
    expect(versions).toHaveLength(1);
    expect((await consoleCall(cloud, "GET", "/api/buckets")).status).toBe(200);
  });
});

describe("DELETE /api/buckets/:bucket/object: a delete through the COS endpoint", () => {
  it("removes an object of an unversioned bucket, logs DELETE Object and emits cos:ObjectRemove:Delete", async () => {
    await seedObject(cloud, BUCKET, "gone/x.txt", "x");
    const deleted = await consoleCall(cloud, "DELETE", objectPath(BUCKET, "object", { key: "gone/x.txt" }));
    expect(deleted).toMatchObject({
      status: 200,
      json: { bucket: BUCKET, key: "gone/x.txt", versionId: null, deleteMarker: false },
    });
    expect(cloud.store.head(BUCKET, "gone/x.txt")).toBeUndefined();
    expect(cloud.requests.filter((entry) => entry.key === "gone/x.txt")).toMatchObject([
      { method: "DELETE", status: 204, action: "name/cos:DeleteObject" },
    ]);
    expect(await invocationsOf("gone/x.txt")).toMatchObject([{ eventName: "cos:ObjectRemove:Delete" }]);
  });

  it("adds a delete marker in a versioned bucket, and removes a named version for good", async () => {
    const put = await consoleCall(cloud, "PUT", objectPath(VERSIONED, "object", { key: "m.txt" }), { body: "m" });
    const marker = await consoleCall(cloud, "DELETE", objectPath(VERSIONED, "object", { key: "m.txt" }));
    expect(marker.json).toMatchObject({ deleteMarker: true, versionId: expect.any(String) });
    expect(cloud.store.latest(VERSIONED, "m.txt")).toMatchObject({
      deleteMarker: true,
      versionId: marker.json?.versionId,
    });
    const versionId = put.json?.versionId as string;
    const removed = await consoleCall(cloud, "DELETE", objectPath(VERSIONED, "object", { key: "m.txt", versionId }));
    expect(removed.json).toMatchObject({ versionId, deleteMarker: false });
    expect(cloud.store.version(VERSIONED, "m.txt", versionId)).toBeUndefined();
    expect((await invocationsOf("m.txt")).map((invocation) => invocation.eventName)).toEqual([
      "cos:ObjectCreated:Put",
      "cos:ObjectRemove:DeleteMarkerCreated",
      "cos:ObjectRemove:Delete",
    ]);
  });
});

describe("GET /api/buckets/:bucket/content: an object's bytes", () => {
  it("answers the bytes with the object's type, never to be run as a page of the console", async () => {
    const page = "<html><script>alert(1)</script></html>";
    await sdkFor(cloud).putObject({ ...at, Key: "evil.html", Body: page, ContentType: "text/html" });
    const got = await consoleCall(cloud, "GET", objectPath(BUCKET, "content", { key: "evil.html" }));
    expect(got.status).toBe(200);
    expect(got.bytes.toString()).toBe(page);
    expect(got.headers).toMatchObject({
      "content-type": "text/html",
      "content-length": String(page.length),
      "x-content-type-options": "nosniff",
      "content-security-policy": "sandbox",
    });
    expect(got.headers["content-disposition"]).toBeUndefined();
  });

  it("names a download after the key's last segment, in ASCII and in RFC 5987's UTF-8", async () => {
    await seedObject(cloud, BUCKET, "报告/第一 季度.pdf", "pdf");
    const got = await consoleCall(
      cloud,
      "GET",
      objectPath(BUCKET, "content", { key: "报告/第一 季度.pdf", download: "1" }),
    );
    expect(got.headers["content-disposition"]).toBe(
      `attachment; filename="__ __.pdf"; filename*=UTF-8''${encodeURIComponent("第一 季度.pdf")}`,
    );
    expect(got.bytes.toString()).toBe("pdf");
  });

  it("keeps a hostile key's quotes, backslashes and line breaks out of the download's headers", async () => {
    const key = 'x/a"b\\c\r\nX-Injected: 1.html';
    await seedObject(cloud, BUCKET, key, "<script>alert(1)</script>", "text/html");
    const got = await consoleCall(cloud, "GET", objectPath(BUCKET, "content", { key, download: "1" }));
    expect(got.status).toBe(200);
    expect(got.headers["x-injected"]).toBeUndefined();
    expect(got.headers["content-disposition"]).toBe(
      `attachment; filename="a_b_c__X-Injected: 1.html"; filename*=UTF-8''${encodeURIComponent('a"b\\c\r\nX-Injected: 1.html')}`,
    );
    // Never run as a page of the console.
    expect(got.headers["content-security-policy"]).toBe("sandbox");
    expect(got.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("sends only the first maxBytes, saying so, and reads older versions", async () => {
    const put = await consoleCall(cloud, "PUT", objectPath(VERSIONED, "object", { key: "long.txt" }), {
      body: "0123456789",
    });
    await consoleCall(cloud, "PUT", objectPath(VERSIONED, "object", { key: "long.txt" }), { body: "new" });
    const cut = await consoleCall(cloud, "GET", objectPath(VERSIONED, "content", { key: "long.txt", maxBytes: "2" }));
    expect(cut.bytes.toString()).toBe("ne");
    expect(cut.headers).toMatchObject({ "content-length": "2", "x-cosfn-truncated": "true" });
    const whole = await consoleCall(cloud, "GET", objectPath(VERSIONED, "content", { key: "long.txt", maxBytes: "9" }));
    expect(whole.bytes.toString()).toBe("new");
    expect(whole.headers["x-cosfn-truncated"]).toBeUndefined();
    const old = await consoleCall(
      cloud,
      "GET",
      objectPath(VERSIONED, "content", { key: "long.txt", versionId: put.json?.versionId as string }),
    );
    expect(old.bytes.toString()).toBe("0123456789");
  });

  it("answers 404 NoSuchKey and NoSuchVersion", async () => {
    const key = await consoleCall(cloud, "GET", objectPath(BUCKET, "content", { key: "none" }));
    expect(key).toMatchObject({ status: 404, json: { error: { code: "NoSuchKey" } } });
    const version = await consoleCall(
      cloud,
      "GET",
      objectPath(VERSIONED, "content", { key: "long.txt", versionId: "nope" }),
    );
    expect(version).toMatchObject({ status: 404, json: { error: { code: "NoSuchVersion" } } });
  });
});

describe("GET /api/resolve: where a COS URL points", () => {
  const resolve = (url: string) => consoleCall(cloud, "GET", `/api/resolve?${new URLSearchParams({ url })}`);

  it("reads virtual-hosted, accelerated, cos:// and local path-style URLs, keeping .. and decoding the key", async () => {
    const key = "docs/../报告 1.txt";
    const encoded = `docs/../${encodeURIComponent("报告 1.txt")}`;
    for (const url of [
      `https://${BUCKET}.cos.ap-guangzhou.myqcloud.com/${encoded}`,
      `https://${BUCKET}.cos.accelerate.myqcloud.com/${encoded}?response-content-type=text%2Fplain`,
      `cos://${BUCKET}/${encoded}`,
      `${cloud.endpoint}/${BUCKET}/${encoded}`,
    ]) {
      const answer = await resolve(url);
      expect({ url, ...answer.json }).toEqual({ url, bucket: BUCKET, key, region: "ap-guangzhou" });
    }
  });

  it("answers 400 BadUrl for what is not a COS URL and 404 NoSuchBucket for an unknown bucket", async () => {
    for (const url of ["https://example.invalid/a.txt", "not a url", `http://127.0.0.1:1/${BUCKET}/a`]) {
      const answer = await resolve(url);
      expect(answer).toMatchObject({ status: 400, json: { error: { code: "BadUrl" } } });
      expect(answer.json?.error).toMatchObject({ message: expect.stringContaining("cos://<bucket>/<key>") });
    }
    const unknown = await resolve("https://nobucket-1250000000.cos.ap-guangzhou.myqcloud.com/a");
    expect(unknown).toMatchObject({ status: 404, json: { error: { code: "NoSuchBucket" } } });
    const elsewhere = await resolve(`https://${BUCKET}.cos.ap-beijing.myqcloud.com/a`);
    expect(elsewhere).toMatchObject({ status: 404, json: { error: { code: "NoSuchBucket" } } });
  });
});

describe("the console refuses other sites' requests", () => {
  it("refuses a Host that is not the console's (DNS rebinding) on every /api/ route", async () => {
    const port = cloud.console?.port;
    for (const host of [`rebound.example.invalid:${port}`, "127.0.0.1:1"]) {
      const answer = await consoleCall(cloud, "GET", "/api/buckets", { headers: { host } });
      expect(answer).toMatchObject({ status: 403, json: { error: { code: "BadHost" } } });
    }
    const local = await consoleCall(cloud, "GET", "/api/buckets", { headers: { host: `localhost:${port}` } });
    expect(local.status).toBe(200);
  });

  it("refuses a change from another origin, and takes one from the console's own page", async () => {
    const port = cloud.console?.port;
    const path = objectPath(BUCKET, "object", { key: "csrf.txt" });
    const foreign = await consoleCall(cloud, "PUT", path, {
      headers: { origin: "http://attacker.example.invalid" },
      body: "x",
    });
    expect(foreign).toMatchObject({ status: 403, json: { error: { code: "CrossOrigin" } } });
    await seedObject(cloud, BUCKET, "keep.txt", "keep");
    const del = await consoleCall(cloud, "DELETE", objectPath(BUCKET, "object", { key: "keep.txt" }), {
      headers: { origin: "null" },
    });
    expect(del.status).toBe(403);
    expect(cloud.store.head(BUCKET, "csrf.txt")).toBeUndefined();
    expect(cloud.store.head(BUCKET, "keep.txt")).toBeDefined();
    const own = await consoleCall(cloud, "PUT", path, {
      headers: { origin: `http://127.0.0.1:${port}` },
      body: "mine",
    });
    expect(own.status).toBe(200);
    expect(await storedText(cloud, BUCKET, "csrf.txt")).toBe("mine");
  });

  it("takes POST bodies only as JSON (415), and no method a route does not serve (405)", async () => {
    const form = await consoleCall(cloud, "POST", "/api/triggers", {
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ bucket: BUCKET }),
    });
    expect(form).toMatchObject({ status: 415, json: { error: { code: "UnsupportedMediaType" } } });
    const wrong = await consoleCall(cloud, "POST", `/api/buckets/${BUCKET}/content?key=x`);
    expect(wrong).toMatchObject({ status: 405, json: { error: { code: "MethodNotAllowed" } } });
  });
});
