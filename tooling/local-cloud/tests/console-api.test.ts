import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, seedObject, startLocalCloud } from "../src/index.ts";
import { cloudApiClients } from "./cloud-api-clients.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

const OTHER = "versioned-1250000000";
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: [BUCKET, OTHER],
    console: {},
    triggers: { retryDelaysMs: [1] },
    restoreDelaysMs: { Standard: 3_600_000 },
  });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());

/** GET of a console path: its status and parsed JSON body. */
async function api(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const console = cloud.console;
  if (!console) throw new Error("the local cloud was started without its console");
  const response = await fetch(`${console.url}${path}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the console's JSON API", () => {
  it("listens on a port of its own: the COS port does not serve /api/, the console's port does not serve COS", async () => {
    const console = cloud.console;
    expect(console?.port).toBeGreaterThan(0);
    expect(console?.port).not.toBe(cloud.port);
    const onCos = await fetch(`${cloud.endpoint}/api/buckets`);
    expect(onCos.status).toBe(400);
    const cosOnConsole = await fetch(`${console?.url}/`, {
      headers: { host: `${BUCKET}.cos.ap-guangzhou.myqcloud.com` },
    });
    expect(await cosOnConsole.json()).toMatchObject({ error: { code: "NoAssets" } });
    expect((await api("/api/nowhere")).body).toMatchObject({ error: { code: "NoSuchRoute" } });
    const put = await fetch(`${console?.url}/api/buckets`, { method: "PUT" });
    expect(put.status).toBe(405);
  });

  it("lists buckets with region and versioning", async () => {
    await cos.putBucketVersioning({
      Bucket: OTHER,
      Region: "ap-guangzhou",
      VersioningConfiguration: { Status: "Enabled" },
    });
    const { status, body } = await api("/api/buckets");
    expect(status).toBe(200);
    expect(body.buckets).toEqual([
      expect.objectContaining({ name: BUCKET, region: "ap-guangzhou", versioning: "", acl: "private" }),
      expect.objectContaining({ name: OTHER, region: "ap-guangzhou", versioning: "Enabled" }),
    ]);
  });

  it("lists a folder by prefix and delimiter, pages with marker, and keeps keys with .., Chinese and spaces exact", async () => {
    const keys = [
      "docs/a b.txt",
      "docs/../up.txt",
      "docs/报告/第一季度.pdf",
      "docs/z.txt",
      "docs/sub/x.txt",
      "root.txt",
    ];
    for (const Key of keys) await cos.putObject({ ...at, Key, Body: Key });
    const first = await api(`/api/buckets/${BUCKET}/objects?prefix=docs%2F&delimiter=%2F&maxKeys=2`);
    expect(first.body).toMatchObject({
      objects: [{ key: "docs/a b.txt", size: Buffer.byteLength("docs/a b.txt") }],
      commonPrefixes: ["docs/../"],
      isTruncated: true,
      nextMarker: "docs/a b.txt",
    });
    const dots = await api(`/api/buckets/${BUCKET}/objects?prefix=${encodeURIComponent("docs/../")}&delimiter=%2F`);
    expect(dots.body).toMatchObject({ objects: [{ key: "docs/../up.txt" }], commonPrefixes: [] });
    const rest = await api(
      `/api/buckets/${BUCKET}/objects?prefix=docs%2F&delimiter=%2F&marker=${encodeURIComponent("docs/a b.txt")}`,
    );
    expect(rest.body).toMatchObject({
      objects: [{ key: "docs/z.txt" }],
      commonPrefixes: ["docs/sub/", "docs/报告/"],
      isTruncated: false,
      nextMarker: null,
    });
    const chinese = await api(
      `/api/buckets/${BUCKET}/objects?prefix=${encodeURIComponent("docs/报告/")}&delimiter=%2F`,
    );
    expect((chinese.body.objects as { key: string }[]).map((o) => o.key)).toEqual(["docs/报告/第一季度.pdf"]);
    const missing = await api("/api/buckets/nobucket-1250000000/objects");
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "NoSuchBucket" } } });
  });

  it("shows one object's headers, x-cos-meta-*, tags, storage class, CRC-64 and ACL as stored", async () => {
    const put = await cos.putObject({
      ...at,
      Key: "meta/photo 1.jpg",
      Body: "not really a jpeg",
      ContentType: "image/jpeg",
      CacheControl: "max-age=60",
      StorageClass: "STANDARD_IA",
      Headers: { "x-cos-meta-owner": "alice", "x-cos-tagging": "team=media&stage=raw" },
    });
    const stored = cloud.store.head(BUCKET, "meta/photo 1.jpg");
    const { status, body } = await api(`/api/buckets/${BUCKET}/object?key=${encodeURIComponent("meta/photo 1.jpg")}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      key: "meta/photo 1.jpg",
      size: 17,
      etag: put.ETag.replaceAll('"', ""),
      crc64: stored?.crc64,
      contentType: "image/jpeg",
      headers: { "cache-control": "max-age=60" },
      meta: { "x-cos-meta-owner": "alice" },
      tags: { team: "media", stage: "raw" },
      storageClass: "STANDARD_IA",
      versionId: null,
      restore: null,
      versions: [{ versionId: "null", isLatest: true, deleteMarker: false, size: 17 }],
    });
    expect((await api(`/api/buckets/${BUCKET}/object?key=none`)).body).toMatchObject({ error: { code: "NoSuchKey" } });
    expect((await api(`/api/buckets/${BUCKET}/object`)).status).toBe(400);
  });

  it("lists every version of a key, newest first, and a delete marker makes the key 404 with its versions", async () => {
    const on = { Bucket: OTHER, Region: "ap-guangzhou" };
    const v1 = await cos.putObject({ ...on, Key: "v.txt", Body: "one" });
    const v2 = await cos.putObject({ ...on, Key: "v.txt", Body: "two!" });
    await cos.putObject({ ...on, Key: "v.txt.bak", Body: "other key" });
    const live = await api(`/api/buckets/${OTHER}/object?key=v.txt`);
    expect(live.body).toMatchObject({
      versionId: v2.VersionId,
      size: 4,
      versions: [
        { versionId: v2.VersionId, isLatest: true, size: 4 },
        { versionId: v1.VersionId, isLatest: false, size: 3 },
      ],
    });
    expect((live.body.versions as unknown[]).length).toBe(2);
    const old = await api(`/api/buckets/${OTHER}/object?key=v.txt&versionId=${v1.VersionId}`);
    expect(old.body).toMatchObject({ versionId: v1.VersionId, size: 3 });
    await cos.deleteObject({ ...on, Key: "v.txt" });
    const deleted = await api(`/api/buckets/${OTHER}/object?key=v.txt`);
    expect(deleted.status).toBe(404);
    expect(deleted.body.versions).toMatchObject([{ isLatest: true, deleteMarker: true }, {}, {}]);
  });

  it("shows a restore of an archived object as ongoing until its tier's delay has passed", async () => {
    await cos.putObject({ ...at, Key: "cold/2024.gz", Body: "archived", StorageClass: "ARCHIVE" });
    await cos.restoreObject({
      ...at,
      Key: "cold/2024.gz",
      RestoreRequest: { Days: 2, CASJobParameters: { Tier: "Standard" } },
    });
    const { body } = await api(`/api/buckets/${BUCKET}/object?key=${encodeURIComponent("cold/2024.gz")}`);
    expect(body).toMatchObject({ storageClass: "ARCHIVE", restore: { tier: "Standard", days: 2, state: "ongoing" } });
  });

  it("searches every key of a bucket, not only one page, case-insensitively", async () => {
    for (let i = 0; i < 1_005; i++) await seedObject(cloud, BUCKET, `bulk/${String(i).padStart(4, "0")}.log`, "x");
    await cos.putObject({ ...at, Key: "zz/Needle-报告.LOG", Body: "x" });
    const { body } = await api(`/api/buckets/${BUCKET}/search?q=${encodeURIComponent("needle-报告")}`);
    expect(body).toMatchObject({ matches: [{ key: "zz/Needle-报告.LOG" }], truncated: false });
    expect(body.scanned).toBeGreaterThan(1_005);
    const limited = await api(`/api/buckets/${BUCKET}/search?q=.LOG&limit=3`);
    expect(limited.body).toMatchObject({
      matches: [{ key: "bulk/0000.log" }, { key: "bulk/0001.log" }, { key: "bulk/0002.log" }],
      truncated: true,
    });
    expect((await api(`/api/buckets/${BUCKET}/search`)).status).toBe(400);
  });
});

describe("the console's events", () => {
  it("lists emitted events newest first with their payload and each invocation's attempts, and filters them", async () => {
    let calls = 0;
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "in/",
      functionName: "flaky",
      handler: () => {
        calls++;
        if (calls === 1) throw new Error("first attempt fails");
        return { ok: true };
      },
    });
    await cos.putObject({ ...at, Key: "in/a.zip", Body: "zip" });
    await cos.putObject({ ...at, Key: "other/b.txt", Body: "b" });
    await cloud.triggers.idle();
    const { body } = await api(`/api/events?bucket=${BUCKET}&limit=2`);
    const [newest, older] = body.events as Record<string, unknown>[];
    expect(newest).toMatchObject({
      eventName: "cos:ObjectCreated:Put",
      key: "other/b.txt",
      invocations: [],
      outcome: "none",
      replayOf: null,
    });
    expect(older).toMatchObject({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      key: "in/a.zip",
      size: 3,
      outcome: "succeeded",
      payload: { Records: [{ cos: { cosObject: { key: `/1250000000/examplebucket/in/a.zip` } } }] },
      invocations: [
        {
          functionName: "flaky",
          status: "succeeded",
          attempts: [{ error: { message: "first attempt fails" } }, { result: { ok: true } }],
        },
      ],
    });
    const byFunction = await api("/api/events?function=flaky");
    expect((byFunction.body.events as { key: string }[]).map((e) => e.key)).toEqual(["in/a.zip"]);
    const none = await api("/api/events?outcome=failed");
    expect(none.body.events).toEqual([]);
    cloud.triggers.clear();
  });

  it("streams new events and attempts as server-sent events", async () => {
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "live/",
      functionName: "live",
      handler: () => "done",
    });
    const frames: string[] = [];
    const url = new URL(`${cloud.console?.url}/api/events/stream`);
    const stream = await new Promise<import("node:http").IncomingMessage>((resolve, reject) =>
      request(url, resolve).on("error", reject).end(),
    );
    expect(stream.headers["content-type"]).toMatch(/^text\/event-stream/);
    stream.setEncoding("utf8");
    let buffer = "";
    const gotTwo = new Promise<void>((resolve) => {
      stream.on("data", (chunk: string) => {
        buffer += chunk;
        const parts = buffer.split("\n\n");
        buffer = parts.pop() ?? "";
        frames.push(...parts.filter((part) => !part.startsWith(":")));
        if (frames.length >= 2) resolve();
      });
    });
    await cos.putObject({ ...at, Key: "live/1.txt", Body: "1" });
    await gotTwo;
    stream.destroy();
    const [event, attempt] = frames.map((frame) => {
      const [type, data] = frame.split("\n");
      return { type: type?.slice("event: ".length), data: JSON.parse(data?.slice("data: ".length) ?? "null") };
    });
    expect(event).toMatchObject({ type: "event", data: { key: "live/1.txt", eventName: "cos:ObjectCreated:Put" } });
    expect(attempt).toMatchObject({
      type: "attempt",
      data: {
        eventId: event?.data.id,
        invocation: { functionName: "live", status: "succeeded" },
        attempt: { result: "done", logs: "" },
      },
    });
    cloud.triggers.clear();
  });
});

describe("the console's request log, Cloud API calls and triggers", () => {
  it("answers the request log newest first, filtered by service and bucket", async () => {
    await cos.headObject({ ...at, Key: "root.txt" });
    const { body } = await api(`/api/requests?service=cos&bucket=${BUCKET}&limit=1`);
    expect(body.requests).toMatchObject([
      { service: "cos", method: "HEAD", bucket: BUCKET, key: "root.txt", status: 200, action: "name/cos:HeadObject" },
    ]);
  });

  it("answers the recorded Cloud API calls (a CDN purge) newest first", async () => {
    const { cdn } = cloudApiClients(cloud);
    await cdn.PurgeUrlsCache({ Urls: ["https://cdn.example.invalid/a.jpg"] });
    await cdn.PushUrlsCache({ Urls: ["https://cdn.example.invalid/b.jpg"] });
    const { body } = await api("/api/cloud-api/calls?service=cdn");
    expect(body.calls).toMatchObject([
      { service: "cdn", action: "PushUrlsCache", params: { Urls: ["https://cdn.example.invalid/b.jpg"] } },
      { service: "cdn", action: "PurgeUrlsCache", params: { Urls: ["https://cdn.example.invalid/a.jpg"] } },
    ]);
    const purges = await api("/api/cloud-api/calls?action=PurgeUrlsCache");
    expect((purges.body.calls as unknown[]).length).toBe(1);
  });

  it("answers the bound trigger rules without their handlers", async () => {
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectRemove:*"],
      suffix: ".tmp",
      functionName: "cleanup",
      handler: () => {},
    });
    const bound = cloud.triggers.rules[0];
    expect((await api("/api/triggers")).body).toEqual({
      rules: [
        {
          id: bound?.id,
          bucket: BUCKET,
          events: ["cos:ObjectRemove:*"],
          prefix: "",
          suffix: ".tmp",
          functionName: "cleanup",
        },
      ],
      functions: [],
    });
    cloud.triggers.clear();
  });
});
