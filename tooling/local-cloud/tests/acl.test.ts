import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, REGION, rawRequest, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
const PUBLIC_BUCKET = "publicbucket-1250000000";
const inPublic = { Bucket: PUBLIC_BUCKET, Region: REGION };

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
  // A bucket created public-read: objects with the `default` ACL inherit it (doc 436/30752).
  await cos.putBucket({ ...inPublic, ACL: "public-read" });
});
afterAll(() => cloud.close());

/** A request with no signature at all, as a browser or curl sends it. */
function anonymous(
  method: string,
  key: string,
  bucket = BUCKET,
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: cloud.port,
        method,
        path: `/${encodeURI(key)}`,
        headers: { host: `${bucket}.cos.${REGION}.myqcloud.com`, ...(body && { "content-length": body.length }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("object ACLs (docs 436/30752, 436/7744, 436/7748)", () => {
  it("x-cos-acl public-read on a put lets an unsigned GET and HEAD read the object; private and default do not", async () => {
    await cos.putObject({ ...at, Key: "public.txt", Body: "open", ACL: "public-read" });
    await cos.putObject({ ...at, Key: "private.txt", Body: "closed", ACL: "private" });
    await cos.putObject({ ...at, Key: "default.txt", Body: "closed" });
    const get = await anonymous("GET", "public.txt");
    expect(get).toMatchObject({ status: 200, body: "open" });
    expect((await anonymous("HEAD", "public.txt")).status).toBe(200);
    for (const key of ["private.txt", "default.txt", "missing.txt"]) {
      const refused = await anonymous("GET", key);
      expect(refused.status).toBe(403);
      expect(refused.body).toContain("<Code>AccessDenied</Code>");
    }
    // Public read is not public write.
    const put = await anonymous("PUT", "public.txt", BUCKET, "overwritten");
    expect(put.status).toBe(403);
    expect(String((await cos.getObject({ ...at, Key: "public.txt" })).Body)).toBe("open");
  });

  it("an object with the default ACL inherits a public-read bucket's; a private object in it stays private", async () => {
    await cos.putObject({ ...inPublic, Key: "inherits.txt", Body: "shared" });
    await cos.putObject({ ...inPublic, Key: "own.txt", Body: "mine", ACL: "private" });
    expect(await anonymous("GET", "inherits.txt", PUBLIC_BUCKET)).toMatchObject({ status: 200, body: "shared" });
    expect((await anonymous("GET", "own.txt", PUBLIC_BUCKET)).status).toBe(403);
    // The bucket is readable, so a missing key is reported as missing.
    expect((await anonymous("GET", "missing.txt", PUBLIC_BUCKET)).status).toBe(404);
    // Listing stays signed-only: the local cloud models public-read for objects, not for GET Bucket.
    expect((await anonymous("GET", "", PUBLIC_BUCKET)).status).toBe(403);
  });

  it("GET ?acl answers an AccessControlPolicy: the owner's FULL_CONTROL, AllUsers' READ when public-read, and x-cos-acl", async () => {
    await cos.putObject({ ...at, Key: "acl/a", Body: "a" });
    const before = await cos.getObjectAcl({ ...at, Key: "acl/a" });
    expect(before.ACL).toBe("default");
    expect(before.Owner).toEqual({
      ID: "qcs::cam::uin/100000000001:uin/100000000001",
      DisplayName: "qcs::cam::uin/100000000001:uin/100000000001",
    });
    expect(before.Grants).toEqual([
      {
        Grantee: {
          ID: "qcs::cam::uin/100000000001:uin/100000000001",
          DisplayName: "qcs::cam::uin/100000000001:uin/100000000001",
        },
        Permission: "FULL_CONTROL",
      },
    ]);

    await cos.putObjectAcl({ ...at, Key: "acl/a", ACL: "public-read" });
    const after = await cos.getObjectAcl({ ...at, Key: "acl/a" });
    expect(after.ACL).toBe("public-read");
    expect(after.Grants).toContainEqual({
      Grantee: { URI: "http://cam.qcloud.com/groups/global/AllUsers" },
      Permission: "READ",
    });
    const raw = await rawRequest(cloud, { method: "GET", key: "acl/a", query: [["acl", ""]] });
    expect(raw.body).toContain(
      '<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://cam.qcloud.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission>',
    );
    expect((await anonymous("GET", "acl/a")).status).toBe(200);

    await cos.putObjectAcl({ ...at, Key: "acl/a", ACL: "private" });
    expect((await anonymous("GET", "acl/a")).status).toBe(403);
    expect(await rejection(cos.getObjectAcl({ ...at, Key: "acl/none" }))).toMatchObject({ statusCode: 404 });
  });

  it("PUT ?acl takes an AccessControlPolicy body: AllUsers READ is public-read; other grantees are not modelled", async () => {
    await cos.putObject({ ...at, Key: "acl/b", Body: "b" });
    const owner = { ID: "qcs::cam::uin/100000000001:uin/100000000001" };
    await cos.putObjectAcl({
      ...at,
      Key: "acl/b",
      AccessControlPolicy: {
        Owner: owner,
        Grants: [
          { Grantee: owner, Permission: "FULL_CONTROL" },
          { Grantee: { URI: "http://cam.qcloud.com/groups/global/AllUsers" }, Permission: "READ" },
        ],
      },
    } as Parameters<typeof cos.putObjectAcl>[0]);
    expect((await anonymous("GET", "acl/b")).status).toBe(200);
    const other = await rawRequest(cloud, {
      method: "PUT",
      key: "acl/b",
      query: [["acl", ""]],
      headers: { "x-cos-grant-read": 'id="100000000002"' },
    });
    expect(other.status).toBe(501);
    const bad = await rawRequest(cloud, {
      method: "PUT",
      key: "acl/b",
      query: [["acl", ""]],
      headers: { "x-cos-acl": "public-write" },
    });
    expect(bad.status).toBe(400);
  });

  it("copies and multipart uploads take x-cos-acl from their own request, not from the source", async () => {
    await cos.putObject({ ...at, Key: "acl/src", Body: "s", ACL: "public-read" });
    const source = `${BUCKET}.cos.${REGION}.myqcloud.com/acl/src`;
    await cos.putObjectCopy({ ...at, Key: "acl/copy-default", CopySource: source });
    await cos.putObjectCopy({ ...at, Key: "acl/copy-public", CopySource: source, ACL: "public-read" });
    expect((await anonymous("GET", "acl/copy-default")).status).toBe(403);
    expect((await anonymous("GET", "acl/copy-public")).status).toBe(200);

    const { UploadId } = await cos.multipartInit({ ...at, Key: "acl/mp", ACL: "public-read" });
    const part = await cos.multipartUpload({ ...at, Key: "acl/mp", UploadId, PartNumber: 1, Body: "mp" });
    await cos.multipartComplete({ ...at, Key: "acl/mp", UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
    expect(await anonymous("GET", "acl/mp")).toMatchObject({ status: 200, body: "mp" });
  });

  it("records cos:PutObjectACL and cos:GetObjectACL on the object", async () => {
    await cos.putObject({ ...at, Key: "acl/c", Body: "c" });
    cloud.requests.clear();
    await cos.putObjectAcl({ ...at, Key: "acl/c", ACL: "private" });
    await cos.getObjectAcl({ ...at, Key: "acl/c" });
    expect(cloud.requests.entries.map((entry) => [entry.action, entry.resource])).toEqual([
      ["name/cos:PutObjectACL", `qcs::cos:${REGION}:uid/1250000000:${BUCKET}/acl/c`],
      ["name/cos:GetObjectACL", `qcs::cos:${REGION}:uid/1250000000:${BUCKET}/acl/c`],
    ]);
  });
});
