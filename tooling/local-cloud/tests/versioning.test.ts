import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { REGION, rawRequest, recordEvents, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let bucketCount = 0;
const events: unknown[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ triggers: { retryDelaysMs: [] } });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
beforeEach(() => {
  cloud.triggers.clear();
  events.length = 0;
});

/** A new bucket, its versioning set (or never set), with a function bound to every event of it. */
async function bucket(versioning?: "Enabled" | "Suspended"): Promise<{ Bucket: string; Region: string }> {
  const at = { Bucket: `versions${++bucketCount}-1250000000`, Region: REGION };
  await cos.putBucket(at);
  if (versioning) await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: versioning } });
  recordEvents(cloud, at.Bucket, events);
  return at;
}

/** `VersionId` (and the version listing's markers), which the SDK sends but its typings omit for some calls. */
const extra = (params: Record<string, string | undefined>): object => params;

/** What the function received, parsed as @cosfn/events parses it. */
async function received() {
  await cloud.triggers.idle();
  return events.flatMap((event) => parseCosEvent(event));
}

describe("bucket versioning (docs 436/19888, 436/19889)", () => {
  it("answers an empty VersioningConfiguration for a bucket never versioned, then its Status", async () => {
    const at = await bucket();
    // Doc 436/19888: "If you have never enabled or suspended versioning for the bucket, the response is
    // <VersioningConfiguration/>".
    const raw = await rawRequest(cloud, { method: "GET", bucket: at.Bucket, query: [["versioning", ""]] });
    expect(raw.body).toContain("<VersioningConfiguration/>");
    expect((await cos.getBucketVersioning(at)).VersioningConfiguration).toEqual({});
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Enabled" } });
    expect((await cos.getBucketVersioning(at)).VersioningConfiguration).toEqual({ Status: "Enabled" });
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Suspended" } });
    expect((await cos.getBucketVersioning(at)).VersioningConfiguration).toEqual({ Status: "Suspended" });
    const bad = await rawRequest(cloud, {
      method: "PUT",
      bucket: at.Bucket,
      query: [["versioning", ""]],
      body: "<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>",
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("<Code>MalformedXML</Code>");
  });

  it("records the CAM actions COS names: cos:PutBucketVersioning, cos:GetBucketVersioning, cos:GetBucketObjectVersions, and cos:GetObject / cos:DeleteObject for a version", async () => {
    const at = await bucket("Enabled");
    const put = await cos.putObject({ ...at, Key: "k", Body: "1" });
    cloud.requests.clear();
    await cos.getBucketVersioning(at);
    await cos.listObjectVersions(at);
    const VersionId = put.headers?.["x-cos-version-id"] as string;
    await cos.getObject({ ...at, Key: "k", VersionId });
    await cos.headObject({ ...at, Key: "k", ...extra({ VersionId }) });
    await cos.deleteObject({ ...at, Key: "k", ...extra({ VersionId }) });
    // Docs 436/19888, 436/35521, 436/7753 (GET Object: cos:GetObject, versionId is a parameter of it), 436/7743.
    expect(cloud.requests.entries.map((entry) => entry.action)).toEqual([
      "name/cos:GetBucketVersioning",
      "name/cos:GetBucketObjectVersions",
      "name/cos:GetObject",
      "name/cos:HeadObject",
      "name/cos:DeleteObject",
    ]);
    expect(cloud.requests.entries[0]?.resource).toBe(`qcs::cos:${REGION}:uid/1250000000:${at.Bucket}/*`);
  });
});

describe("versions of objects (doc 436/19883)", () => {
  it("gives every put, copy and completed upload a new version id in x-cos-version-id, readable by GET/HEAD ?versionId=", async () => {
    const at = await bucket("Enabled");
    const first = await cos.putObject({ ...at, Key: "doc.txt", Body: "one" });
    const second = await cos.putObject({ ...at, Key: "doc.txt", Body: "two!" });
    const v1 = first.headers?.["x-cos-version-id"] as string;
    const v2 = second.headers?.["x-cos-version-id"] as string;
    expect(v1).toMatch(/^[A-Za-z0-9+/]{8,}$/);
    expect(v2).not.toBe(v1);
    expect(String((await cos.getObject({ ...at, Key: "doc.txt" })).Body)).toBe("two!");
    const old = await cos.getObject({ ...at, Key: "doc.txt", VersionId: v1 });
    expect(String(old.Body)).toBe("one");
    expect(old.headers?.["x-cos-version-id"]).toBe(v1);
    expect(
      (await cos.headObject({ ...at, Key: "doc.txt", ...extra({ VersionId: v1 }) })).headers?.["content-length"],
    ).toBe("3");
    // An unknown version: 404 NoSuchVersion.
    const missing = await rejection(cos.getObject({ ...at, Key: "doc.txt", VersionId: "bm9zdWNodmVyc2lvbg" }));
    expect(missing).toMatchObject({ statusCode: 404, code: "NoSuchVersion" });

    const copy = await cos.putObjectCopy({
      ...at,
      Key: "copy.txt",
      CopySource: `${at.Bucket}.cos.${REGION}.myqcloud.com/doc.txt?versionId=${encodeURIComponent(v1)}`,
    });
    expect(copy.headers?.["x-cos-version-id"]).toMatch(/^[A-Za-z0-9+/]{8,}$/);
    expect(copy.headers?.["x-cos-copy-source-version-id"]).toBe(v1);
    expect(String((await cos.getObject({ ...at, Key: "copy.txt" })).Body)).toBe("one");

    const { UploadId } = await cos.multipartInit({ ...at, Key: "big.bin" });
    const part = await cos.multipartUpload({ ...at, Key: "big.bin", UploadId, PartNumber: 1, Body: "part" });
    const done = await cos.multipartComplete({
      ...at,
      Key: "big.bin",
      UploadId,
      Parts: [{ PartNumber: 1, ETag: part.ETag }],
    });
    expect(done.headers?.["x-cos-version-id"]).toMatch(/^[A-Za-z0-9+/]{8,}$/);
  });

  it("names no version on a bucket never versioned, and writes the version 'null' on a suspended one", async () => {
    const plain = await bucket();
    const put = await cos.putObject({ ...plain, Key: "k", Body: "x" });
    expect(put.headers?.["x-cos-version-id"]).toBeUndefined();
    // The object written before versioning is the null version.
    expect(String((await cos.getObject({ ...plain, Key: "k", VersionId: "null" })).Body)).toBe("x");

    const suspended = await bucket("Suspended");
    // Doc 436/7749: with versioning suspended the version id is null "and no x-cos-version-id header is returned".
    expect((await cos.putObject({ ...suspended, Key: "k", Body: "1" })).headers?.["x-cos-version-id"]).toBeUndefined();
    await cos.putObject({ ...suspended, Key: "k", Body: "22" });
    // Suspended: a put replaces the null version instead of keeping it.
    const listed = await cos.listObjectVersions(suspended);
    expect(listed.Versions.map((v) => [v.Key, v.VersionId, v.IsLatest, v.Size])).toEqual([["k", "null", "true", "2"]]);
  });

  it("keeps noncurrent versions when a bucket is suspended after being enabled", async () => {
    const at = await bucket("Enabled");
    const v1 = (await cos.putObject({ ...at, Key: "k", Body: "v1" })).headers?.["x-cos-version-id"];
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Suspended" } });
    await cos.putObject({ ...at, Key: "k", Body: "null-1" });
    await cos.putObject({ ...at, Key: "k", Body: "null-2" });
    const listed = await cos.listObjectVersions(at);
    expect(listed.Versions.map((v) => [v.VersionId, v.IsLatest])).toEqual([
      ["null", "true"],
      [v1, "false"],
    ]);
    expect(String((await cos.getObject({ ...at, Key: "k" })).Body)).toBe("null-2");
  });
});

describe("delete markers (docs 436/7743, 436/36716)", () => {
  it("a delete without versionId on an enabled bucket adds a delete marker: GET and HEAD answer 404 with x-cos-delete-marker, the listing drops the key", async () => {
    const at = await bucket("Enabled");
    const v1 = (await cos.putObject({ ...at, Key: "gone.txt", Body: "data" })).headers?.["x-cos-version-id"] as string;
    await cos.putObject({ ...at, Key: "kept.txt", Body: "data" });
    const deleted = await cos.deleteObject({ ...at, Key: "gone.txt" });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.headers?.["x-cos-delete-marker"]).toBe("true");
    const marker = deleted.headers?.["x-cos-version-id"] as string;
    expect(marker).toMatch(/^[A-Za-z0-9+/]{8,}$/);
    expect(marker).not.toBe(v1);

    const get = await rawRequest(cloud, { method: "GET", bucket: at.Bucket, key: "gone.txt" });
    expect(get.status).toBe(404);
    expect(get.body).toContain("<Code>NoSuchKey</Code>");
    expect(get.headers["x-cos-delete-marker"]).toBe("true");
    expect(get.headers["x-cos-version-id"]).toBe(marker);
    const head = await rawRequest(cloud, { method: "HEAD", bucket: at.Bucket, key: "gone.txt" });
    expect(head.status).toBe(404);
    expect(head.headers["x-cos-delete-marker"]).toBe("true");

    expect((await cos.getBucket(at)).Contents.map((c) => c.Key)).toEqual(["kept.txt"]);
    const listed = await cos.listObjectVersions({ ...at, Prefix: "gone" });
    expect(listed.DeleteMarkers.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([["gone.txt", marker, "true"]]);
    expect(listed.Versions.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([["gone.txt", v1, "false"]]);
    // The old version is still readable by its id.
    expect(String((await cos.getObject({ ...at, Key: "gone.txt", VersionId: v1 })).Body)).toBe("data");

    // Removing the marker by its id brings the object back.
    const undone = await cos.deleteObject({ ...at, Key: "gone.txt", ...extra({ VersionId: marker }) });
    expect(undone.headers?.["x-cos-delete-marker"]).toBe("true");
    expect(undone.headers?.["x-cos-version-id"]).toBe(marker);
    expect(String((await cos.getObject({ ...at, Key: "gone.txt" })).Body)).toBe("data");
  });

  it("a delete on a suspended bucket adds a delete marker whose id is null, replacing the null version", async () => {
    const at = await bucket("Suspended");
    await cos.putObject({ ...at, Key: "k", Body: "x" });
    const deleted = await cos.deleteObject({ ...at, Key: "k" });
    expect(deleted.headers?.["x-cos-version-id"]).toBe("null");
    expect(deleted.headers?.["x-cos-delete-marker"]).toBe("true");
    const listed = await cos.listObjectVersions(at);
    expect(listed.Versions).toEqual([]);
    expect(listed.DeleteMarkers.map((m) => [m.Key, m.VersionId, m.IsLatest])).toEqual([["k", "null", "true"]]);
  });

  it("a bucket with versions or delete markers left is not empty", async () => {
    const at = await bucket("Enabled");
    await cos.putObject({ ...at, Key: "k", Body: "x" });
    await cos.deleteObject({ ...at, Key: "k" });
    expect(await rejection(cos.deleteBucket(at))).toMatchObject({ statusCode: 409, code: "BucketNotEmpty" });
  });

  it("a multi-delete answers each key's version and delete marker", async () => {
    const at = await bucket("Enabled");
    const v1 = (await cos.putObject({ ...at, Key: "a", Body: "1" })).headers?.["x-cos-version-id"] as string;
    await cos.putObject({ ...at, Key: "b", Body: "1" });
    const result = await cos.deleteMultipleObject({ ...at, Objects: [{ Key: "a", VersionId: v1 }, { Key: "b" }] });
    expect(result.Deleted).toEqual([
      { Key: "a", VersionId: v1 },
      { Key: "b", DeleteMarker: "true", DeleteMarkerVersionId: expect.stringMatching(/^[A-Za-z0-9+/]{8,}$/) },
    ]);
    expect((await cos.listObjectVersions(at)).Versions.map((v) => v.Key)).toEqual(["b"]);
  });
});

describe("GET Bucket Object Versions (doc 436/35521)", () => {
  it("pages with key-marker and version-id-marker, max-keys counting versions, markers and common prefixes", async () => {
    const at = await bucket("Enabled");
    const expected: [string, string][] = [];
    for (const key of ["a", "b", "c"]) {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        ids.unshift(
          (await cos.putObject({ ...at, Key: key, Body: `${key}${i}` })).headers?.["x-cos-version-id"] as string,
        );
      }
      for (const id of ids) expected.push([key, id]);
    }
    const seen: [string, string][] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await cos.listObjectVersions({ ...at, MaxKeys: "4", ...extra({ KeyMarker, VersionIdMarker }) });
      pages++;
      seen.push(...page.Versions.map((v): [string, string] => [v.Key, v.VersionId]));
      if (page.IsTruncated !== "true") break;
      // The SDK's typings name S3's NextMarker; COS answers NextKeyMarker (doc 436/35521).
      const next = page as unknown as { NextKeyMarker: string; NextVersionIdMarker: string };
      KeyMarker = next.NextKeyMarker;
      VersionIdMarker = next.NextVersionIdMarker;
    }
    expect(pages).toBe(2);
    expect(seen).toEqual(expected);
    // IsLatest marks only each key's newest.
    const all = await cos.listObjectVersions(at);
    expect(all.Versions.map((v) => v.IsLatest)).toEqual(["true", "false", "true", "false", "true", "false"]);
  });

  it("groups by delimiter and filters by prefix", async () => {
    const at = await bucket("Enabled");
    for (const key of ["dir/a", "dir/b", "top", "other/x"]) await cos.putObject({ ...at, Key: key, Body: "x" });
    await cos.deleteObject({ ...at, Key: "top" });
    const listed = await cos.listObjectVersions({ ...at, Delimiter: "/" });
    expect(listed.CommonPrefixes).toEqual([{ Prefix: "dir/" }, { Prefix: "other/" }]);
    expect(listed.Versions.map((v) => v.Key)).toEqual(["top"]);
    expect(listed.DeleteMarkers.map((m) => m.Key)).toEqual(["top"]);
    const prefixed = await cos.listObjectVersions({ ...at, Prefix: "dir/" });
    expect(prefixed.Versions.map((v) => v.Key)).toEqual(["dir/a", "dir/b"]);
  });
});

describe("version events, end to end (doc 583/9707)", () => {
  it("a delete on an enabled bucket emits cos:ObjectRemove:DeleteMarkerCreated with the marker's id as vid", async () => {
    const at = await bucket("Enabled");
    const put = await cos.putObject({ ...at, Key: "e/k.txt", Body: "hello" });
    const deleted = await cos.deleteObject({ ...at, Key: "e/k.txt" });
    const records = await received();
    expect(records.map((r) => [r.eventName, r.key, r.versionId, r.size])).toEqual([
      ["cos:ObjectCreated:Put", "e/k.txt", put.headers?.["x-cos-version-id"], 5],
      ["cos:ObjectRemove:DeleteMarkerCreated", "e/k.txt", deleted.headers?.["x-cos-version-id"], 0],
    ]);
    expect(records[0]?.bucket).toBe(at.Bucket);
  });

  it("a delete on a suspended bucket emits cos:ObjectRemove:DeleteMarkerCreated with vid null", async () => {
    const at = await bucket("Suspended");
    await cos.putObject({ ...at, Key: "k", Body: "x" });
    await cos.deleteObject({ ...at, Key: "k" });
    const records = await received();
    expect(records.map((r) => [r.eventName, r.versionId])).toEqual([
      ["cos:ObjectCreated:Put", "null"],
      ["cos:ObjectRemove:DeleteMarkerCreated", "null"],
    ]);
  });

  it("a delete naming a version id emits cos:ObjectRemove:Delete with that vid; an unversioned bucket's vid is empty", async () => {
    const at = await bucket("Enabled");
    const v1 = (await cos.putObject({ ...at, Key: "k", Body: "abc" })).headers?.["x-cos-version-id"] as string;
    await cos.deleteObject({ ...at, Key: "k", ...extra({ VersionId: v1 }) });
    const plain = await bucket();
    await cos.putObject({ ...plain, Key: "p", Body: "x" });
    await cos.deleteObject({ ...plain, Key: "p" });
    const records = await received();
    expect(records.map((r) => [r.bucket === at.Bucket, r.eventName, r.versionId])).toEqual([
      [true, "cos:ObjectCreated:Put", v1],
      [true, "cos:ObjectRemove:Delete", v1],
      [false, "cos:ObjectCreated:Put", null],
      [false, "cos:ObjectRemove:Delete", null],
    ]);
  });

  it("copies and completed uploads carry their new version's vid", async () => {
    const at = await bucket("Enabled");
    await cos.putObject({ ...at, Key: "src", Body: "s" });
    const copy = await cos.putObjectCopy({
      ...at,
      Key: "dst",
      CopySource: `${at.Bucket}.cos.${REGION}.myqcloud.com/src`,
    });
    const { UploadId } = await cos.multipartInit({ ...at, Key: "mp" });
    const part = await cos.multipartUpload({ ...at, Key: "mp", UploadId, PartNumber: 1, Body: "pp" });
    const done = await cos.multipartComplete({
      ...at,
      Key: "mp",
      UploadId,
      Parts: [{ PartNumber: 1, ETag: part.ETag }],
    });
    const records = await received();
    expect(records.slice(1).map((r) => [r.eventName, r.versionId, r.size])).toEqual([
      ["cos:ObjectCreated:Copy", copy.headers?.["x-cos-version-id"], 1],
      ["cos:ObjectCreated:CompleteMultipartUpload", done.headers?.["x-cos-version-id"], 2],
    ]);
  });
});

describe("versions in a data directory", () => {
  it("keep every version, delete marker and the versioning state across a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cosfn-versions-"));
    try {
      const at = { Bucket: "restart-1250000000", Region: REGION };
      const first = await startLocalCloud({ dataDir: dir });
      const sdk = sdkFor(first);
      await sdk.putBucket(at);
      await sdk.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Enabled" } });
      const v1 = (await sdk.putObject({ ...at, Key: "k", Body: "one" })).headers?.["x-cos-version-id"] as string;
      await sdk.putObject({ ...at, Key: "k", Body: "two" });
      await sdk.putObjectTagging({ ...at, Key: "k", Tags: [{ Key: "t", Value: "v" }] });
      const marker = (await sdk.deleteObject({ ...at, Key: "k" })).headers?.["x-cos-version-id"] as string;
      await sdk.putObject({ ...at, Key: "other", Body: "x" });
      const v3 = (await sdk.putObject({ ...at, Key: "other", Body: "y" })).headers?.["x-cos-version-id"] as string;
      await sdk.deleteObject({ ...at, Key: "other", ...extra({ VersionId: v3 }) });
      const before = await sdk.listObjectVersions(at);
      await first.close();

      const second = await startLocalCloud({ dataDir: dir });
      try {
        const again = sdkFor(second);
        expect((await again.getBucketVersioning(at)).VersioningConfiguration).toEqual({ Status: "Enabled" });
        const after = await again.listObjectVersions(at);
        expect(after.Versions).toEqual(before.Versions);
        expect(after.DeleteMarkers).toEqual(before.DeleteMarkers);
        expect(after.DeleteMarkers.map((m) => m.VersionId)).toEqual([marker]);
        expect(String((await again.getObject({ ...at, Key: "k", VersionId: v1 })).Body)).toBe("one");
        expect(String((await again.getObject({ ...at, Key: "other" })).Body)).toBe("x");
        expect((await rejection(again.getObject({ ...at, Key: "k" }))).statusCode).toBe(404);
        // A third start replays the compacted journal to the same state.
        await second.close();
        const third = await startLocalCloud({ dataDir: dir });
        try {
          expect((await sdkFor(third).listObjectVersions(at)).Versions).toEqual(before.Versions);
        } finally {
          await third.close();
        }
      } finally {
        await second.close().catch(() => {});
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
