import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud, storedBytes } from "../src/index.ts";
import { at, BUCKET, REGION, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");
const source = (key: string) => `${BUCKET}.cos.${REGION}.myqcloud.com/${key}`;
const resource = (key: string) => `qcs::cos:${REGION}:uid/1250000000:${BUCKET}/${key}`;

/** Bytes that differ at every offset modulo 251, so a misplaced range shows. */
function pattern(size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = i % 251;
  return data;
}

describe("Upload Part - Copy", () => {
  it("copies a range of the source as a part, with the MD5 of its bytes as ETag", async () => {
    const data = pattern(3000);
    await cos.putObject({ ...at, Key: "pc/src", Body: data });
    const { UploadId } = await cos.multipartInit({ ...at, Key: "pc/dst" });
    cloud.requests.clear();
    const copied = await cos.uploadPartCopy({
      ...at,
      Key: "pc/dst",
      UploadId,
      PartNumber: 1,
      CopySource: source("pc/src"),
      CopySourceRange: "bytes=100-1099",
    });
    expect(copied.ETag).toBe(`"${md5(data.subarray(100, 1100))}"`);
    // The SDK passes CopyPartResult on whole; its typings omit LastModified.
    const lastModified = (copied as { LastModified?: string }).LastModified;
    expect(Number.isNaN(Date.parse(lastModified ?? ""))).toBe(false);
    const [entry] = cloud.requests.entries;
    expect(entry).toMatchObject({ method: "PUT", query: { partNumber: "1", uploadId: UploadId }, bytesIn: 0 });
    expect(entry?.needs.map((need) => [need.action, need.resource])).toEqual([
      ["name/cos:UploadPart", resource("pc/dst")],
      ["name/cos:GetObject", resource("pc/src")],
    ]);

    const uploaded = await cos.multipartUpload({ ...at, Key: "pc/dst", UploadId, PartNumber: 2, Body: "tail" });
    const whole = await cos.uploadPartCopy({
      ...at,
      Key: "pc/dst",
      UploadId,
      PartNumber: 3,
      CopySource: source("pc/src"),
    });
    expect(whole.ETag).toBe(`"${md5(data)}"`);
    const { Part } = await cos.multipartListPart({ ...at, Key: "pc/dst", UploadId });
    expect(Part.map((p) => [p.PartNumber, p.Size])).toEqual([
      ["1", "1000"],
      ["2", "4"],
      ["3", "3000"],
    ]);
    cloud.store.minPartBytes = 1;
    try {
      await cos.multipartComplete({
        ...at,
        Key: "pc/dst",
        UploadId,
        Parts: [
          { PartNumber: 1, ETag: copied.ETag },
          { PartNumber: 2, ETag: uploaded.ETag },
          { PartNumber: 3, ETag: whole.ETag },
        ],
      });
    } finally {
      cloud.store.minPartBytes = MiB;
    }
    expect(await storedBytes(cloud, BUCKET, "pc/dst")).toEqual(
      Buffer.concat([data.subarray(100, 1100), Buffer.from("tail"), data]),
    );
  });

  it("copies a named version of the source", async () => {
    const bucket = "pcversions-1250000000";
    await cloud.store.createBucket(bucket, REGION);
    await cloud.store.setVersioning(bucket, "Enabled");
    const first = await cos.putObject({ Bucket: bucket, Region: REGION, Key: "v", Body: "first" });
    await cos.putObject({ Bucket: bucket, Region: REGION, Key: "v", Body: "second!" });
    const { UploadId } = await cos.multipartInit({ ...at, Key: "pc/version" });
    const copied = await cos.uploadPartCopy({
      ...at,
      Key: "pc/version",
      UploadId,
      PartNumber: 1,
      CopySource: `${bucket}.cos.${REGION}.myqcloud.com/v?versionId=${first.VersionId}`,
    });
    expect(copied.ETag).toBe(`"${md5(Buffer.from("first"))}"`);
    expect(copied.headers?.["x-cos-copy-source-version-id"]).toBe(first.VersionId);
  });

  it("refuses a range outside the source, a missing source and an unknown upload", async () => {
    await cos.putObject({ ...at, Key: "pc/small", Body: "0123456789" });
    const { UploadId } = await cos.multipartInit({ ...at, Key: "pc/bad" });
    const part = { ...at, Key: "pc/bad", UploadId, PartNumber: 1 };
    for (const range of ["bytes=5-10", "bytes=10-12", "bytes=6-5", "bytes=-5", "5-6"]) {
      const refused = await rejection(
        cos.uploadPartCopy({ ...part, CopySource: source("pc/small"), CopySourceRange: range }),
      );
      expect(refused, range).toMatchObject({ code: "InvalidArgument", statusCode: 400 });
    }
    const missing = await rejection(cos.uploadPartCopy({ ...part, CopySource: source("pc/none") }));
    expect(missing).toMatchObject({ code: "NoSuchKey", statusCode: 404 });
    const noUpload = await rejection(
      cos.uploadPartCopy({ ...part, UploadId: "no-such-upload", CopySource: source("pc/small") }),
    );
    expect(noUpload).toMatchObject({ code: "NoSuchUpload", statusCode: 404 });
    const { Part } = await cos.multipartListPart({ ...at, Key: "pc/bad", UploadId });
    expect(Part).toEqual([]);
  });

  it("sliceCopyFile copies an object larger than the slice size part by part", { timeout: 60_000 }, async () => {
    const data = pattern(12 * MiB);
    await cos.putObject({ ...at, Key: "pc/big", Body: data });
    cloud.requests.clear();
    await new Promise<void>((resolve, reject) =>
      cos.sliceCopyFile(
        {
          ...at,
          Key: "pc/big-copy",
          CopySource: source("pc/big"),
          CopySliceSize: 5 * MiB,
          CopyChunkSize: 5 * MiB,
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
    expect((await storedBytes(cloud, BUCKET, "pc/big-copy")).equals(data)).toBe(true);
    const copies = cloud.requests.entries.filter((entry) => entry.method === "PUT" && "partNumber" in entry.query);
    expect(copies.map((entry) => entry.query.partNumber).sort()).toEqual(["1", "2", "3"]);
    for (const entry of copies) {
      expect(entry.bytesIn).toBe(0);
      expect(entry.needs.map((need) => need.action)).toEqual(["name/cos:UploadPart", "name/cos:GetObject"]);
    }
    expect(cloud.store.head(BUCKET, "pc/big-copy")?.etag).toMatch(/-3$/);
  });
});
