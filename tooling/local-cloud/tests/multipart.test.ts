import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const md5 = (data: Buffer) => createHash("md5").update(data).digest();
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

function partData(n: number, size: number): Buffer {
  return Buffer.alloc(size, n % 251);
}

describe("multipart upload", () => {
  it("joins 100 parts in order, with COS's multipart ETag and the CRC64 of the whole", {
    timeout: 60_000,
  }, async () => {
    cloud.store.minPartBytes = 1024;
    const key = "multi/hundred.bin";
    const { UploadId } = await cos.multipartInit({ ...at, Key: key, Headers: { "x-cos-meta-kind": "test" } });
    const parts: Buffer[] = [];
    const etags: { PartNumber: number; ETag: string }[] = [];
    for (let n = 1; n <= 100; n++) {
      const data = partData(n, n === 100 ? 777 : 1024 + n);
      parts.push(data);
      const result = await cos.multipartUpload({ ...at, Key: key, UploadId, PartNumber: n, Body: data });
      expect(result.ETag).toBe(`"${md5(data).toString("hex")}"`);
      etags.push({ PartNumber: n, ETag: result.ETag });
    }
    const listed = await cos.multipartListPart({ ...at, Key: key, UploadId, MaxParts: 1000 } as Parameters<
      typeof cos.multipartListPart
    >[0]);
    expect(listed.Part).toHaveLength(100);
    const done = await cos.multipartComplete({ ...at, Key: key, UploadId, Parts: etags });
    const whole = Buffer.concat(parts);
    const expectedEtag = `${createHash("md5")
      .update(Buffer.concat(parts.map(md5)))
      .digest("hex")}-100`;
    expect(done.ETag).toBe(`"${expectedEtag}"`);
    expect(cloud.store.head(BUCKET, key)).toMatchObject({
      size: whole.length,
      etag: expectedEtag,
      crc64: crc64(whole),
      meta: { "x-cos-meta-kind": "test" },
    });
    expect(sha(await storedBytes(cloud, BUCKET, key))).toBe(sha(whole));
    expect(await rejection(cos.multipartListPart({ ...at, Key: key, UploadId }))).toMatchObject({
      code: "NoSuchUpload",
    });
  });

  it("checks the part list: ascending order, matching ETags, minimum part size", async () => {
    cloud.store.minPartBytes = 1024;
    const key = "multi/checks.bin";
    const { UploadId } = await cos.multipartInit({ ...at, Key: key });
    const one = await cos.multipartUpload({ ...at, Key: key, UploadId, PartNumber: 1, Body: partData(1, 2000) });
    const two = await cos.multipartUpload({ ...at, Key: key, UploadId, PartNumber: 2, Body: partData(2, 100) });
    const three = await cos.multipartUpload({ ...at, Key: key, UploadId, PartNumber: 3, Body: partData(3, 100) });
    const complete = (Parts: { PartNumber: number; ETag: string }[]) =>
      rejection(cos.multipartComplete({ ...at, Key: key, UploadId, Parts }));
    // The SDK sorts the parts itself, so the out-of-order list goes out by hand.
    const unordered = await rawRequest(cloud, {
      method: "POST",
      key,
      query: [["uploadId", UploadId]],
      body: `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${two.ETag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${one.ETag}</ETag></Part></CompleteMultipartUpload>`,
    });
    expect(unordered.status).toBe(400);
    expect(unordered.body).toContain("<Code>InvalidPartOrder</Code>");
    expect(await complete([{ PartNumber: 1, ETag: two.ETag }])).toMatchObject({ code: "InvalidPart" });
    expect(await complete([{ PartNumber: 4, ETag: one.ETag }])).toMatchObject({ code: "InvalidPart" });
    expect(
      await complete([
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 2, ETag: two.ETag },
        { PartNumber: 3, ETag: three.ETag },
      ]),
    ).toMatchObject({
      code: "EntityTooSmall",
    });
    expect(cloud.store.head(BUCKET, key)).toBeUndefined();
    // The upload survives failed completions and can still be completed correctly.
    await cos.multipartComplete({
      ...at,
      Key: key,
      UploadId,
      Parts: [
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 3, ETag: three.ETag },
      ],
    });
    expect(sha(await storedBytes(cloud, BUCKET, key))).toBe(sha(Buffer.concat([partData(1, 2000), partData(3, 100)])));
  });

  it("lists uploads in progress and aborts them", async () => {
    const { UploadId } = await cos.multipartInit({ ...at, Key: "multi/aborted.bin" });
    await cos.multipartUpload({ ...at, Key: "multi/aborted.bin", UploadId, PartNumber: 1, Body: "x" });
    const listed = await cos.multipartList({ ...at, Prefix: "multi/" } as Parameters<typeof cos.multipartList>[0]);
    expect(listed.Upload.map((u) => u.UploadId)).toContain(UploadId);
    await cos.multipartAbort({ ...at, Key: "multi/aborted.bin", UploadId });
    expect(
      (await cos.multipartList({ ...at, Prefix: "multi/" } as Parameters<typeof cos.multipartList>[0])).Upload.map(
        (u) => u.UploadId,
      ),
    ).not.toContain(UploadId);
    expect(
      await rejection(cos.multipartUpload({ ...at, Key: "multi/aborted.bin", UploadId, PartNumber: 2, Body: "y" })),
    ).toMatchObject({
      code: "NoSuchUpload",
    });
    expect(cloud.store.head(BUCKET, "multi/aborted.bin")).toBeUndefined();
  });

  it("serves the SDK's own sliceUploadFile (list uploads, initiate, parallel parts with Content-MD5, complete)", {
    timeout: 60_000,
  }, async () => {
    cloud.store.minPartBytes = 1024 * 1024;
    const data = Buffer.alloc(3 * 1024 * 1024 + 5);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    const file = join(tmpdir(), `cosfn-slice-${process.pid}.bin`);
    await writeFile(file, data);
    await cos.sliceUploadFile({ ...at, Key: "multi/slice.bin", FilePath: file, ChunkSize: 1024 * 1024 } as Parameters<
      typeof cos.sliceUploadFile
    >[0]);
    expect(cloud.store.head(BUCKET, "multi/slice.bin")?.etag).toMatch(/-4$/);
    expect(sha(await storedBytes(cloud, BUCKET, "multi/slice.bin"))).toBe(sha(data));
  });
});
