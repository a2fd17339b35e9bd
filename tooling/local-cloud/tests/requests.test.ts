import { request } from "node:http";
import { fileURLToPath } from "node:url";
import cdnSdk from "tencentcloud-sdk-nodejs-cdn";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { jpegHeader } from "./images.ts";
import { at, BUCKET, localAgent, rawRequest, rejection, sdkFor } from "./sdk.ts";

const responsesDir = fileURLToPath(new URL("../../../test-fixtures/responses/ci/", import.meta.url));
const RES = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], cloudInfinite: { responsesDir } });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
afterEach(() => {
  cloud.requests.clear();
  cloud.faults.clear();
});

const secretId = () => cloud.credentials[0]?.secretId;
const summary = () => cloud.requests.entries.map((e) => `${e.method} ${e.key ?? "/"} ${e.status} ${e.action}`);

describe("the request log", () => {
  it("records each COS request when its response finished: status, bytes, signer, CAM action and resource", async () => {
    const put = await cos.putObject({ ...at, Key: "log/a.txt", Body: "hello" });
    await cos.getObject({ ...at, Key: "log/a.txt" });
    await cos.headObject({ ...at, Key: "log/a.txt" });
    await cos.getBucket({ ...at, Prefix: "log/" });
    await cos.deleteObject({ ...at, Key: "log/a.txt" });
    expect(summary()).toEqual([
      "PUT log/a.txt 200 name/cos:PutObject",
      "GET log/a.txt 200 name/cos:GetObject",
      "HEAD log/a.txt 200 name/cos:HeadObject",
      "GET / 200 name/cos:GetBucket",
      "DELETE log/a.txt 204 name/cos:DeleteObject",
    ]);
    const [putEntry, getEntry, , list] = cloud.requests.entries;
    expect(putEntry).toMatchObject({
      service: "cos",
      bucket: BUCKET,
      key: "log/a.txt",
      query: {},
      bytesIn: 5,
      bytesOut: 0,
      secretId: secretId(),
      resource: `${RES}/log/a.txt`,
      needs: [{ action: "name/cos:PutObject", resource: `${RES}/log/a.txt` }],
      requestId: put.headers?.["x-cos-request-id"],
    });
    expect(putEntry?.denied).toBeUndefined();
    expect(Date.parse(putEntry?.time ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(putEntry?.durationMs).toBeGreaterThanOrEqual(0);
    expect(getEntry).toMatchObject({ bytesIn: 0, bytesOut: 5 });
    expect(list).toMatchObject({
      key: null,
      query: { prefix: "log/" },
      resource: `${RES}/*`,
      needs: [{ action: "name/cos:GetBucket", resource: `${RES}/*`, context: { "cos:prefix": "log/" } }],
    });
    expect(JSON.stringify(cloud.requests.entries)).not.toContain(cloud.credentials[0]?.secretKey);
  });

  it("records a copy's need to read its source and a multi-delete's need to delete each key", async () => {
    await cos.putObject({ ...at, Key: "src/a", Body: "a" });
    await cos.putObjectCopy({ ...at, Key: "dst/a", CopySource: `${BUCKET}.cos.ap-guangzhou.myqcloud.com/src/a` });
    await cos.deleteMultipleObject({ ...at, Objects: [{ Key: "src/a" }, { Key: "dst/a" }] });
    const [, copy, multi] = cloud.requests.entries;
    expect(copy).toMatchObject({ action: "name/cos:PutObject", resource: `${RES}/dst/a` });
    expect(copy?.needs).toEqual([
      { action: "name/cos:PutObject", resource: `${RES}/dst/a` },
      { action: "name/cos:GetObject", resource: `${RES}/src/a` },
    ]);
    expect(multi).toMatchObject({ method: "POST", query: { delete: "" }, status: 200 });
    expect(multi?.needs).toEqual([
      { action: "name/cos:DeleteMultipleObjects", resource: `${RES}/*` },
      { action: "name/cos:DeleteObject", resource: `${RES}/src/a` },
      { action: "name/cos:DeleteObject", resource: `${RES}/dst/a` },
    ]);
  });

  it("names multipart, tagging, listing and unimplemented APIs by their COS names", async () => {
    cloud.store.minPartBytes = 1;
    const { UploadId } = await cos.multipartInit({ ...at, Key: "mp/x" });
    const part = await cos.multipartUpload({ ...at, Key: "mp/x", UploadId, PartNumber: 1, Body: "m" });
    await cos.multipartListPart({ ...at, Key: "mp/x", UploadId });
    await cos.multipartList({ ...at, Prefix: "mp/" } as Parameters<typeof cos.multipartList>[0]);
    await cos.multipartComplete({ ...at, Key: "mp/x", UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
    const { UploadId: aborted } = await cos.multipartInit({ ...at, Key: "mp/y" });
    await cos.multipartAbort({ ...at, Key: "mp/y", UploadId: aborted });
    await cos.putObjectTagging({ ...at, Key: "mp/x", Tags: [{ Key: "k", Value: "v" }] });
    await cos.getObjectTagging({ ...at, Key: "mp/x" });
    await cos.deleteObjectTagging({ ...at, Key: "mp/x" });
    await cos.listObjectVersions({ ...at, Prefix: "mp/" });
    // The SDK would retry a 501 three times: one request by hand (OPTIONS Object, CORS, is not served).
    expect((await rawRequest(cloud, { method: "OPTIONS", key: "mp/x" })).status).toBe(501);
    await cos.headBucket({ ...at });
    await cos.getService({});
    expect(cloud.requests.entries.map((e) => e.action)).toEqual([
      "name/cos:InitiateMultipartUpload",
      "name/cos:UploadPart",
      "name/cos:ListParts",
      "name/cos:ListMultipartUploads",
      "name/cos:CompleteMultipartUpload",
      "name/cos:InitiateMultipartUpload",
      "name/cos:AbortMultipartUpload",
      "name/cos:PutObjectTagging",
      "name/cos:GetObjectTagging",
      "name/cos:DeleteObjectTagging",
      "name/cos:GetBucketObjectVersions",
      "name/cos:OptionsObject",
      "name/cos:HeadBucket",
      "name/cos:GetService",
    ]);
    expect(cloud.requests.entries.at(-3)).toMatchObject({ status: 501, errorCode: "NotImplemented" });
    expect(cloud.requests.entries.at(-1)?.resource).toBe("*");
    expect(cloud.requests.filter((e) => e.action === "name/cos:ListMultipartUploads")[0]?.resource).toBe(`${RES}/*`);
  });

  it("logs refused requests too: a bad signature, an injected 503 and a reset connection", async () => {
    await rejection(sdkFor(cloud, { SecretKey: "wrong" }).headObject({ ...at, Key: "nothing" }));
    cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", times: 1 });
    await rawRequest(cloud, { method: "PUT", key: "faulty", body: "abc" });
    cloud.faults.add({ fault: { kind: "reset" }, method: "GET", times: 1 });
    await rejection(rawRequest(cloud, { method: "GET", key: "faulty" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(cloud.requests.entries).toMatchObject([
      {
        method: "HEAD",
        status: 403,
        errorCode: "SignatureDoesNotMatch",
        secretId: secretId(),
        action: "name/cos:HeadObject",
      },
      { method: "PUT", status: 503, errorCode: "SlowDown", action: "name/cos:PutObject", bytesIn: 3 },
      { method: "GET", status: 0, action: "name/cos:GetObject" },
    ]);
  });

  it("keeps a pre-signed URL's signature out of the logged query", async () => {
    await cos.putObject({ ...at, Key: "signed.txt", Body: "s" });
    cloud.requests.clear();
    const url = new URL(cos.getObjectUrl({ ...at, Key: "signed.txt", Sign: true }, () => {}) as unknown as string);
    url.searchParams.set("response-content-type", "text/plain");
    const status = await new Promise<number>((resolve, reject) => {
      request(
        { host: "127.0.0.1", port: cloud.port, path: `${url.pathname}${url.search}`, headers: { host: url.host } },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
    const [entry] = cloud.requests.entries;
    expect(entry?.query).toEqual({ "response-content-type": "text/plain" });
    expect(entry?.secretId).toBe(secretId());
  });

  it("files Cloud Infinite under ci with CI's action, and Cloud API calls under their service", async () => {
    await cos.putObject({ ...at, Key: "images/cat.jpg", Body: jpegHeader(640, 480) });
    await cos.request({
      ...at,
      Method: "GET",
      Key: "images/cat.jpg",
      Query: { "ci-process": "detect-label" },
      RawBody: true,
    } as Parameters<typeof cos.request>[0]);
    const [credentials] = cloud.credentials;
    const cdn = new cdnSdk.cdn.v20180606.Client({
      credential: { secretId: credentials?.secretId as string, secretKey: credentials?.secretKey as string },
      region: "",
      profile: {
        httpProfile: { protocol: "http://", endpoint: "cdn.tencentcloudapi.com", agent: localAgent(cloud.port) },
      },
    });
    const purge = await cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/a.png"] });
    const [, ci, api] = cloud.requests.entries;
    expect(ci).toMatchObject({
      service: "ci",
      query: { "ci-process": "detect-label" },
      action: "ci:CreateDetectLabelJob",
      resource: "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/images/cat.jpg",
      status: 200,
    });
    expect(api).toMatchObject({
      service: "cdn",
      method: "POST",
      bucket: null,
      key: null,
      action: "cdn:PurgeUrlsCache",
      resource: "*",
      status: 200,
      secretId: secretId(),
      requestId: purge.RequestId,
    });
    expect(api?.bytesIn).toBeGreaterThan(0);
    expect(api?.bytesOut).toBeGreaterThan(0);
  });

  it("keeps at most requestLogLimit entries, dropping the oldest", async () => {
    const small = await startLocalCloud({ buckets: [BUCKET], requestLogLimit: 3 });
    try {
      const client = sdkFor(small);
      for (const key of ["1", "2", "3", "4", "5"]) await client.putObject({ ...at, Key: key, Body: key });
      expect(small.requests.entries.map((e) => e.key)).toEqual(["3", "4", "5"]);
      expect(small.requests.limit).toBe(3);
    } finally {
      await small.close();
    }
  });
});
