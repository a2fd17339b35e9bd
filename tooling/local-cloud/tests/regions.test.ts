import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, REGION, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
  await cos.putObject({ ...at, Key: "here.txt", Body: "here" });
});
afterAll(() => cloud.close());

// REFERENCE §1: "A bucket is served only at its own region's endpoint". Another region's endpoint does not hold
// the bucket, so it answers 404 NoSuchBucket (the code is this server's choice: COS documents none for it).
describe("regions", () => {
  it("a bucket answers only on its own region's endpoint: elsewhere 404 NoSuchBucket, and nothing changes", async () => {
    const elsewhere = { Bucket: BUCKET, Region: "ap-shanghai" };
    expect(await rejection(cos.getObject({ ...elsewhere, Key: "here.txt" }))).toMatchObject({
      statusCode: 404,
      code: "NoSuchBucket",
    });
    expect((await rejection(cos.headBucket(elsewhere))).statusCode).toBe(404);
    expect(await rejection(cos.putObject({ ...elsewhere, Key: "there.txt", Body: "x" }))).toMatchObject({
      statusCode: 404,
      code: "NoSuchBucket",
    });
    expect(cloud.store.head(BUCKET, "there.txt")).toBeUndefined();
    expect(await rejection(cos.getBucket(elsewhere))).toMatchObject({ code: "NoSuchBucket" });
    // A copy whose source names the wrong region finds no source bucket.
    expect(
      await rejection(
        cos.putObjectCopy({ ...at, Key: "copy.txt", CopySource: `${BUCKET}.cos.ap-shanghai.myqcloud.com/here.txt` }),
      ),
    ).toMatchObject({ statusCode: 404, code: "NoSuchBucket" });
    // Its own region still serves it.
    expect(String((await cos.getObject({ ...at, Key: "here.txt" })).Body)).toBe("here");
    expect(REGION).toBe("ap-guangzhou");
  });

  it("a region COS does not have serves no bucket, not even a new one", async () => {
    const nowhere = { Bucket: BUCKET, Region: "ap-nowhere" };
    expect(await rejection(cos.getObject({ ...nowhere, Key: "here.txt" }))).toMatchObject({
      statusCode: 404,
      code: "NoSuchBucket",
    });
    expect(await rejection(cos.putBucket({ Bucket: "fresh-1250000000", Region: "ap-nowhere" }))).toMatchObject({
      statusCode: 404,
      code: "NoSuchBucket",
    });
    expect(cloud.store.getBucket("fresh-1250000000")).toBeUndefined();
  });

  it("a bucket name is the account's in every region: creating it again elsewhere is 409 BucketAlreadyOwnedByYou", async () => {
    expect(await rejection(cos.putBucket({ Bucket: BUCKET, Region: "ap-beijing" }))).toMatchObject({
      statusCode: 409,
      code: "BucketAlreadyOwnedByYou",
    });
    expect(cloud.store.getBucket(BUCKET)?.region).toBe("ap-guangzhou");
  });
});
