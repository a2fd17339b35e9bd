import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud, storedText } from "../src/index.ts";
import { at, BUCKET, REGION, rejection, sdkFor } from "./sdk.ts";

/**
 * The source conditions of a copy, as COS documents them for PUT Object - Copy (doc 436/10881) and Upload
 * Part - Copy (doc 436/8287): `x-cos-copy-source-If-Match` copies when the source's ETag is the one given,
 * `-If-None-Match` when it is not, `-If-Modified-Since` when the source was modified after the time,
 * `-If-Unmodified-Since` when it was not; otherwise 412. If-Match may be used with If-Unmodified-Since and
 * If-None-Match with If-Modified-Since; any other combination "returns a conflict" (answered 400
 * InvalidArgument here: COS names neither the status nor the code). Within a pair the ETag decides, as S3
 * documents for the same headers (If-Match holding copies even if If-Unmodified-Since does not; If-None-Match
 * failing is 412 even if If-Modified-Since holds).
 */
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let etag: string;
let lastModified: number;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
  etag = (await cos.putObject({ ...at, Key: "cc/src", Body: "source bytes" })).ETag;
  lastModified = Date.parse(cloud.store.head(BUCKET, "cc/src")?.lastModified ?? "");
});
afterAll(() => cloud.close());

const CopySource = `${BUCKET}.cos.${REGION}.myqcloud.com/cc/src`;
const before = () => new Date(lastModified - 60_000).toUTCString();
const after = () => new Date(lastModified + 60_000).toUTCString();
let n = 0;

/** A copy to a fresh key with the given conditions: the key, or the SDK's rejection. */
async function copyWith(conditions: Record<string, string>): Promise<{ key: string; error?: unknown }> {
  const key = `cc/dst-${++n}`;
  try {
    await cos.putObjectCopy({ ...at, Key: key, CopySource, ...conditions });
    return { key };
  } catch (error) {
    return { key, error };
  }
}

describe("PUT Object - Copy with x-cos-copy-source-If-*", () => {
  it("copies when each condition holds", async () => {
    for (const conditions of [
      { CopySourceIfMatch: etag },
      { CopySourceIfMatch: `"nope", ${etag}` },
      { CopySourceIfNoneMatch: '"0123456789abcdef0123456789abcdef"' },
      { CopySourceIfModifiedSince: before() },
      { CopySourceIfUnmodifiedSince: after() },
      { CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: after() },
      { CopySourceIfNoneMatch: '"other"', CopySourceIfModifiedSince: before() },
    ]) {
      const { key, error } = await copyWith(conditions);
      expect({ conditions, error }).toEqual({ conditions, error: undefined });
      expect(await storedText(cloud, BUCKET, key)).toBe("source bytes");
    }
  });

  it("answers 412 PreconditionFailed and writes nothing when a condition fails", async () => {
    for (const conditions of [
      { CopySourceIfMatch: '"0123456789abcdef0123456789abcdef"' },
      { CopySourceIfNoneMatch: etag },
      { CopySourceIfNoneMatch: "*" },
      { CopySourceIfModifiedSince: after() },
      { CopySourceIfUnmodifiedSince: before() },
    ]) {
      const { key, error } = await copyWith(conditions);
      expect(error).toMatchObject({ statusCode: 412, code: "PreconditionFailed" });
      expect(cloud.store.head(BUCKET, key)).toBeUndefined();
    }
  });

  it("lets the ETag decide within a pair", async () => {
    // If-Match holds, If-Unmodified-Since does not: copied.
    const kept = await copyWith({ CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: before() });
    expect(kept.error).toBeUndefined();
    expect(await storedText(cloud, BUCKET, kept.key)).toBe("source bytes");
    // If-None-Match fails, If-Modified-Since holds: 412.
    const refused = await copyWith({ CopySourceIfNoneMatch: etag, CopySourceIfModifiedSince: before() });
    expect(refused.error).toMatchObject({ statusCode: 412, code: "PreconditionFailed" });
    expect(cloud.store.head(BUCKET, refused.key)).toBeUndefined();
  });

  it("refuses a condition of one pair with one of the other", async () => {
    for (const conditions of [
      { CopySourceIfMatch: etag, CopySourceIfNoneMatch: '"other"' },
      { CopySourceIfMatch: etag, CopySourceIfModifiedSince: before() },
      { CopySourceIfUnmodifiedSince: after(), CopySourceIfNoneMatch: '"other"' },
      { CopySourceIfUnmodifiedSince: after(), CopySourceIfModifiedSince: before() },
    ]) {
      const { key, error } = await copyWith(conditions);
      expect(error).toMatchObject({ statusCode: 400, code: "InvalidArgument" });
      expect(cloud.store.head(BUCKET, key)).toBeUndefined();
    }
  });

  it("checks the version the copy names", async () => {
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Enabled" } });
    const first = await cos.putObject({ ...at, Key: "cc/versioned", Body: "one" });
    await cos.putObject({ ...at, Key: "cc/versioned", Body: "two" });
    const source = `${BUCKET}.cos.${REGION}.myqcloud.com/cc/versioned?versionId=${first.VersionId}`;
    await cos.putObjectCopy({ ...at, Key: "cc/from-v1", CopySource: source, CopySourceIfMatch: first.ETag });
    expect(await storedText(cloud, BUCKET, "cc/from-v1")).toBe("one");
    const refused = await rejection(
      cos.putObjectCopy({ ...at, Key: "cc/from-v1-none", CopySource: source, CopySourceIfNoneMatch: first.ETag }),
    );
    expect(refused).toMatchObject({ statusCode: 412, code: "PreconditionFailed" });
    expect(cloud.store.head(BUCKET, "cc/from-v1-none")).toBeUndefined();
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Suspended" } });
  });
});

describe("Upload Part - Copy with x-cos-copy-source-If-*", () => {
  it("stores the part only when the conditions hold", async () => {
    const { UploadId } = await cos.multipartInit({ ...at, Key: "cc/parts" });
    const part = (PartNumber: number, conditions: Record<string, string>) =>
      cos.uploadPartCopy({ ...at, Key: "cc/parts", UploadId, PartNumber, CopySource, ...conditions });
    await part(1, { CopySourceIfMatch: etag, CopySourceIfUnmodifiedSince: after() });
    await part(2, { CopySourceIfModifiedSince: before() });
    expect(await rejection(part(3, { CopySourceIfMatch: '"other"' }))).toMatchObject({
      statusCode: 412,
      code: "PreconditionFailed",
    });
    expect(await rejection(part(4, { CopySourceIfUnmodifiedSince: before() }))).toMatchObject({ statusCode: 412 });
    expect(await rejection(part(5, { CopySourceIfNoneMatch: etag, CopySourceIfMatch: etag }))).toMatchObject({
      statusCode: 400,
      code: "InvalidArgument",
    });
    const { Part } = await cos.multipartListPart({ ...at, Key: "cc/parts", UploadId });
    expect(Part.map((p) => Number(p.PartNumber))).toEqual([1, 2]);
  });
});
