import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud, storedKeys, storedText } from "../src/index.ts";
import { at, BUCKET, REGION, rawRequest, rejection, sdkFor } from "./sdk.ts";

/**
 * Keys made only of `/`, `.` and `..` segments, whose URL resolves (RFC 3986 §5.2.4) to the bucket itself.
 *
 * What COS documents: its SDKs refuse to send a GET Object for such a key (cos-nodejs-sdk-v5's
 * `ObjectKeySimplifyCheck`, on by default, "The Getobject Key is illegal"; the Go, C++, .NET and Android SDKs
 * have the same check), "so that a getObject is not turned into a getBucket" by a client or proxy that
 * normalizes the path; COS's naming rules (doc 436/13324) refuse keys starting with `/`. COS does not document
 * what its server answers when such a request does arrive: the local cloud refuses it for every method with 400
 * InvalidURI (*chosen*), so no test can create, read or delete an object that a normalizing client would
 * address as the bucket. Keys with `.` segments among others (`a/./b`, `a/../b`) are ordinary keys, stored as
 * given. A `Key: "/"` is the SDK's own business: it sends the bucket's path, as it would to COS.
 */
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let unchecked: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
  unchecked = sdkFor(cloud, { ObjectKeySimplifyCheck: false } as never);
  await cos.putObject({ ...at, Key: "kept/object", Body: "kept" });
});
afterAll(() => cloud.close());

const DOT_KEYS = [".", "..", "./", "../", "a/..", "a/../..", "a/b/../../.", "./.././"];

describe("keys made only of / and . segments", () => {
  it("GET Object: the SDK refuses them before sending anything", async () => {
    for (const key of [...DOT_KEYS, "/"]) {
      cloud.requests.clear();
      const refused = await rejection(cos.getObject({ ...at, Key: key }));
      expect(refused.message).toBe("The Getobject Key is illegal");
      expect(cloud.requests.entries).toEqual([]);
    }
  });

  it("GET Object sent anyway (ObjectKeySimplifyCheck off) is 400 InvalidURI, never a listing", async () => {
    for (const key of DOT_KEYS) {
      const refused = await rejection(unchecked.getObject({ ...at, Key: key }));
      expect(refused).toMatchObject({ statusCode: 400, code: "InvalidURI" });
    }
    const raw = await rawRequest(cloud, { method: "GET", key: "a/../.." });
    expect(raw.status).toBe(400);
    expect(raw.body).toContain("<Code>InvalidURI</Code>");
    expect(raw.body).not.toContain("kept/object");
  });

  it("PUT, HEAD and DELETE Object of them are 400 InvalidURI and change nothing", async () => {
    for (const key of DOT_KEYS) {
      expect(await rejection(cos.putObject({ ...at, Key: key, Body: "x" }))).toMatchObject({
        statusCode: 400,
        code: "InvalidURI",
      });
      expect(await rejection(cos.headObject({ ...at, Key: key }))).toMatchObject({ statusCode: 400 });
      expect(await rejection(cos.deleteObject({ ...at, Key: key }))).toMatchObject({
        statusCode: 400,
        code: "InvalidURI",
      });
      expect(await rejection(cos.multipartInit({ ...at, Key: key }))).toMatchObject({ statusCode: 400 });
    }
    expect(await storedKeys(cloud, BUCKET)).toEqual(["kept/object"]);
    expect(cloud.store.getBucket(BUCKET)).toBeDefined();
  });

  it("a copy from or to such a key is refused too", async () => {
    const to = await rejection(
      unchecked.putObjectCopy({ ...at, Key: "..", CopySource: `${BUCKET}.cos.${REGION}.myqcloud.com/kept/object` }),
    );
    expect(to).toMatchObject({ statusCode: 400, code: "InvalidURI" });
    const from = await rejection(
      cos.putObjectCopy({ ...at, Key: "copied", CopySource: `${BUCKET}.cos.${REGION}.myqcloud.com/a/../..` }),
    );
    expect(from).toMatchObject({ statusCode: 400, code: "InvalidURI" });
    expect(await storedKeys(cloud, BUCKET)).toEqual(["kept/object"]);
  });

  it("keys with . segments among others are ordinary keys", async () => {
    for (const key of ["a/./b", "a/../b", "a/b/..", ".hidden", "..."]) {
      await cos.putObject({ ...at, Key: key, Body: key });
      expect(await storedText(cloud, BUCKET, key)).toBe(key);
      const got = await cos.getObject({ ...at, Key: key });
      expect(got.Body.toString()).toBe(key);
      await cos.deleteObject({ ...at, Key: key });
    }
    expect(await storedKeys(cloud, BUCKET)).toEqual(["kept/object"]);
  });

  it('Key "/" is sent by the SDK as the bucket\'s path: PUT Bucket, DELETE Bucket', async () => {
    cloud.requests.clear();
    const put = await rejection(cos.putObject({ ...at, Key: "/", Body: "x" }));
    expect(put).toMatchObject({ statusCode: 409, code: "BucketAlreadyOwnedByYou" });
    const deleted = await rejection(cos.deleteObject({ ...at, Key: "/" }));
    expect(deleted).toMatchObject({ statusCode: 409, code: "BucketNotEmpty" });
    expect(cloud.requests.entries.map((entry) => entry.action)).toEqual([
      "name/cos:PutBucket",
      "name/cos:DeleteBucket",
    ]);
    expect(await storedKeys(cloud, BUCKET)).toEqual(["kept/object"]);
  });
});
