import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import cdnSdk from "tencentcloud-sdk-nodejs-cdn";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type CamPolicy,
  camDenied,
  LOCAL_CREDENTIALS,
  type LocalCloud,
  policyGrantUnused,
  startLocalCloud,
} from "../src/index.ts";
import { at, BUCKET, localAgent, rawRequest, rejection, sdkFor } from "./sdk.ts";

const RES = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";
const LIMITED = { secretId: "AKIDlimitedFunctionRole000000000000", secretKey: "limitedFunctionRoleSecretKey0000000" };

/** What an archive-extracting function needs: read its input, write and tidy its output, list its output. */
const POLICY: CamPolicy = {
  version: "2.0",
  statement: [
    { effect: "allow", action: ["name/cos:GetObject", "name/cos:HeadObject"], resource: `${RES}/in/*` },
    {
      effect: "allow",
      action: [
        "name/cos:PutObject",
        "name/cos:InitiateMultipartUpload",
        "name/cos:UploadPart",
        "name/cos:CompleteMultipartUpload",
        "name/cos:DeleteObject",
      ],
      resource: `${RES}/out/*`,
    },
    { effect: "allow", action: "name/cos:ListMultipartUploads", resource: `${RES}/*` },
    {
      effect: "allow",
      action: "name/cos:GetBucket",
      resource: `${RES}/*`,
      condition: { string_like: { "cos:prefix": "out/*" } },
    },
  ],
};

let cloud: LocalCloud;
let admin: ReturnType<typeof sdkFor>;
let limited: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: [BUCKET],
    credentials: [LOCAL_CREDENTIALS, LIMITED],
    policies: { [LIMITED.secretId]: POLICY },
  });
  admin = sdkFor(cloud);
  limited = sdkFor(cloud, { SecretId: LIMITED.secretId, SecretKey: LIMITED.secretKey });
  await admin.putObject({ ...at, Key: "in/a.txt", Body: "input" });
  await admin.putObject({ ...at, Key: "keep/b.txt", Body: "keep" });
});
afterAll(() => cloud.close());
afterEach(() => cloud.requests.clear());

describe("CAM policies", () => {
  it("let a signer with a policy do what it allows", async () => {
    const body = await limited.getObject({ ...at, Key: "in/a.txt" });
    expect(String(body.Body)).toBe("input");
    await limited.putObject({ ...at, Key: "out/a.txt", Body: "output" });
    await limited.getBucket({ ...at, Prefix: "out/" });
    expect(cloud.store.head(BUCKET, "out/a.txt")?.size).toBe(6);
    const mine = cloud.requests.filter((e) => e.secretId === LIMITED.secretId);
    expect(mine.map((e) => [e.action, e.status, e.denied])).toEqual([
      ["name/cos:GetObject", 200, undefined],
      ["name/cos:PutObject", 200, undefined],
      ["name/cos:GetBucket", 200, undefined],
    ]);
  });

  it("refuse what it does not allow with 403 AccessDenied naming the action and resource, and log it as denied", async () => {
    const error = await rejection(limited.putObject({ ...at, Key: "in/evil.txt", Body: "x" }));
    expect(error).toMatchObject({ statusCode: 403, code: "AccessDenied" });
    expect(error.message).toContain(`name/cos:PutObject on ${RES}/in/evil.txt`);
    expect(cloud.store.head(BUCKET, "in/evil.txt")).toBeUndefined();
    expect(await rejection(limited.deleteObject({ ...at, Key: "keep/b.txt" }))).toMatchObject({ statusCode: 403 });
    expect(cloud.store.head(BUCKET, "keep/b.txt")).toBeDefined();
    expect(cloud.requests.entries.map((e) => [e.action, e.status, e.denied])).toEqual([
      ["name/cos:PutObject", 403, true],
      ["name/cos:DeleteObject", 403, true],
    ]);
  });

  it("limit listing to the prefixes a cos:prefix condition names", async () => {
    expect(await rejection(limited.getBucket({ ...at, Prefix: "in/" }))).toMatchObject({ code: "AccessDenied" });
    expect(await rejection(limited.getBucket({ ...at }))).toMatchObject({ code: "AccessDenied" });
    await limited.getBucket({ ...at, Prefix: "out/sub/" });
  });

  it("refuse a copy whose source the signer may not read, though it may write the destination", async () => {
    const error = await rejection(
      limited.putObjectCopy({
        ...at,
        Key: "out/copy.txt",
        CopySource: `${BUCKET}.cos.ap-guangzhou.myqcloud.com/keep/b.txt`,
      }),
    );
    expect(error.message).toContain(`name/cos:GetObject on ${RES}/keep/b.txt`);
    expect(cloud.store.head(BUCKET, "out/copy.txt")).toBeUndefined();
    await limited.putObjectCopy({
      ...at,
      Key: "out/copy.txt",
      CopySource: `${BUCKET}.cos.ap-guangzhou.myqcloud.com/in/a.txt`,
    });
    expect(cloud.store.head(BUCKET, "out/copy.txt")?.size).toBe(5);
  });

  it("answer a multi-delete key by key: AccessDenied for the keys the signer may not delete", async () => {
    cloud.setPolicy(LIMITED.secretId, {
      ...POLICY,
      statement: [
        ...POLICY.statement,
        { effect: "allow", action: "name/cos:DeleteMultipleObjects", resource: `${RES}/*` },
      ],
    });
    try {
      await admin.putObject({ ...at, Key: "out/gone.txt", Body: "g" });
      const result = await limited.deleteMultipleObject({
        ...at,
        Objects: [{ Key: "out/gone.txt" }, { Key: "keep/b.txt" }],
      });
      expect(result.Deleted).toEqual([{ Key: "out/gone.txt" }]);
      expect(result.Error).toMatchObject([{ Key: "keep/b.txt", Code: "AccessDenied" }]);
      expect(cloud.store.head(BUCKET, "out/gone.txt")).toBeUndefined();
      expect(cloud.store.head(BUCKET, "keep/b.txt")).toBeDefined();
      expect(cloud.requests.entries.at(-1)).toMatchObject({ status: 200, denied: true });
    } finally {
      cloud.setPolicy(LIMITED.secretId, POLICY);
    }
  });

  it("can be set and removed at run time; a SecretId without a policy is unrestricted", async () => {
    await admin.putObject({ ...at, Key: "keep/admin.txt", Body: "a" });
    cloud.setPolicy(LIMITED.secretId, undefined);
    await limited.putObject({ ...at, Key: "keep/free.txt", Body: "f" });
    cloud.setPolicy(LIMITED.secretId, POLICY);
    expect(await rejection(limited.putObject({ ...at, Key: "keep/free.txt", Body: "f" }))).toMatchObject({
      code: "AccessDenied",
    });
    expect(() =>
      cloud.setPolicy(LIMITED.secretId, {
        version: "2.0",
        statement: [{ effect: "allow", action: "*", resource: "*", condition: { ip_equal: { "qcs:ip": "1.2.3.4" } } }],
      }),
    ).toThrow(/ip_equal/);
  });

  it("answer a refused HEAD with 403 and x-cos-error-code AccessDenied", async () => {
    const denied = await rawRequest(cloud, {
      method: "HEAD",
      key: "keep/b.txt",
      secretId: LIMITED.secretId,
      secretKey: LIMITED.secretKey,
    });
    expect(denied.status).toBe(403);
    expect(denied.headers["x-cos-error-code"]).toBe("AccessDenied");
  });

  it("answer Cloud API calls the policy does not allow with AuthFailure.UnauthorizedOperation", async () => {
    const cdn = new cdnSdk.cdn.v20180606.Client({
      credential: LIMITED,
      region: "",
      profile: {
        httpProfile: { protocol: "http://", endpoint: "cdn.tencentcloudapi.com", agent: localAgent(cloud.port) },
      },
    });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/a"] })).rejects.toMatchObject({
      code: "AuthFailure.UnauthorizedOperation",
    });
    expect(cloud.requests.entries.at(-1)).toMatchObject({ service: "cdn", action: "cdn:PurgeUrlsCache", denied: true });
    expect(cloud.cloudApi.used("url:mainland")).toBe(0);
    cloud.setPolicy(LIMITED.secretId, {
      version: "2.0",
      statement: [...POLICY.statement, { effect: "allow", action: "name/cdn:PurgeUrlsCache", resource: "*" }],
    });
    try {
      await cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/a"] });
      expect(cloud.cloudApi.used("url:mainland")).toBe(1);
    } finally {
      cloud.setPolicy(LIMITED.secretId, POLICY);
    }
  });

  it("support a least-privilege test in both directions: every need allowed, every grant used", async () => {
    cloud.store.minPartBytes = 1;
    const file = join(tmpdir(), `cosfn-policy-${process.pid}.bin`);
    await writeFile(file, Buffer.alloc(3 * 1024 * 1024 + 5, 7));
    // The work of the "function": read the input, upload its output whole and in parts, list and delete it.
    await limited.headObject({ ...at, Key: "in/a.txt" });
    await limited.putObject({ ...at, Key: "out/small.txt", Body: "s" });
    await limited.getObject({ ...at, Key: "in/a.txt" });
    await limited.sliceUploadFile({ ...at, Key: "out/big.bin", FilePath: file, ChunkSize: 1024 * 1024 });
    await limited.getBucket({ ...at, Prefix: "out/" });
    await limited.deleteObject({ ...at, Key: "out/big.bin" });
    const needs = cloud.requests.needs((e) => e.secretId === LIMITED.secretId);
    expect(camDenied(POLICY, needs)).toEqual([]);
    expect(policyGrantUnused(POLICY, needs).map((g) => g.action)).toEqual([]);
    // Without the delete, the policy grants more than the function used, and says what.
    const withoutDelete = needs.filter((need) => need.action !== "name/cos:DeleteObject");
    expect(policyGrantUnused(POLICY, withoutDelete).map((g) => `${g.action} on ${g.resource}`)).toEqual([
      `name/cos:DeleteObject on ${RES}/out/*`,
    ]);
  });
});
