import { get, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { credentialsFromEnv, LOCAL_CREDENTIALS, type LocalCloud, startLocalCloud, storedText } from "../src/index.ts";
import { at, BUCKET, rawRequest, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: [BUCKET],
    credentials: [{ secretId: "AKIDtest", secretKey: "test-secret" }],
  });
  await sdkFor(cloud).putObject({ ...at, Key: "signed.txt", Body: "signed" });
});
afterAll(() => cloud.close());

describe("q-sign verification", () => {
  it("accepts the SDK's signatures and refuses a wrong secret key", async () => {
    expect((await sdkFor(cloud).getObject({ ...at, Key: "signed.txt" })).Body.toString()).toBe("signed");
    const wrong = sdkFor(cloud, { SecretKey: "not-the-secret" });
    expect(await rejection(wrong.getObject({ ...at, Key: "signed.txt" }))).toMatchObject({
      code: "SignatureDoesNotMatch",
      statusCode: 403,
    });
    expect(await rejection(wrong.putObject({ ...at, Key: "other.txt", Body: "x" }))).toMatchObject({
      code: "SignatureDoesNotMatch",
    });
    expect(cloud.store.head(BUCKET, "other.txt")).toBeUndefined();
  });

  it("refuses an unknown SecretId", async () => {
    const stranger = sdkFor(cloud, { SecretId: "AKIDstranger" });
    expect(await rejection(stranger.getObject({ ...at, Key: "signed.txt" }))).toMatchObject({
      code: "InvalidAccessKeyId",
    });
  });

  it("refuses a q-ak with whitespace around it, as COS does (no SecretId matches it), and accepts it without", async () => {
    for (const padded of [" AKIDtest", "AKIDtest ", "\tAKIDtest"]) {
      const answer = await rawRequest(cloud, {
        method: "GET",
        key: "signed.txt",
        alterAfterSigning: (headers) => {
          headers.authorization = (headers.authorization as string).replace("q-ak=AKIDtest", `q-ak=${padded}`);
        },
      });
      expect(answer.status, JSON.stringify(padded)).toBe(403);
      expect(answer.body).toContain("<Code>InvalidAccessKeyId</Code>");
    }
    expect(await rawRequest(cloud, { method: "GET", key: "signed.txt" })).toMatchObject({ status: 200 });
  });

  it("refuses an expired signature and accepts the same request signed now", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await rawRequest(cloud, {
      method: "GET",
      key: "signed.txt",
      signTime: `${now - 7200};${now - 3600}`,
    });
    expect(expired.status).toBe(403);
    expect(expired.body).toContain("<Code>AccessDenied</Code>");
    expect(expired.body).toContain("Request has expired");
    const fresh = await rawRequest(cloud, { method: "GET", key: "signed.txt" });
    expect(fresh).toMatchObject({ status: 200, body: "signed" });
  });

  it("refuses a request whose signed headers were changed, and an unsigned request", async () => {
    const tampered = await rawRequest(cloud, {
      method: "PUT",
      key: "tampered.txt",
      body: "x",
      headers: { "x-cos-meta-owner": "alice" },
      alterAfterSigning: (headers) => {
        headers["x-cos-meta-owner"] = "mallory";
      },
    });
    expect(tampered.status).toBe(403);
    expect(tampered.body).toContain("<Code>SignatureDoesNotMatch</Code>");
    expect(cloud.store.head(BUCKET, "tampered.txt")).toBeUndefined();
    const unsigned = await httpGet(cloud, "/signed.txt");
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).toContain("<Code>AccessDenied</Code>");
  });

  it("accepts a pre-signed URL from the SDK", async () => {
    const url = sdkFor(cloud).getObjectUrl({ ...at, Key: "signed.txt", Sign: true }, () => {});
    expect(url).toContain("q-signature=");
    const response = await httpGet(cloud, url.replace(/^http:\/\/[^/]+/, ""));
    expect(response).toEqual({ status: 200, body: "signed" });
  });

  it("accepts a PUT to a pre-signed URL: the signature's query fields are not taken for sub-resources", async () => {
    const url = new URL(
      sdkFor(cloud).getObjectUrl({ ...at, Key: "uploaded.txt", Method: "PUT", Sign: true }, () => {}),
    );
    const status = await new Promise<number>((resolve, reject) => {
      request(
        {
          host: "127.0.0.1",
          port: cloud.port,
          method: "PUT",
          path: `${url.pathname}${url.search}`,
          headers: { host: url.host },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      )
        .on("error", reject)
        .end("put by URL");
    });
    expect(status).toBe(200);
    expect(await storedText(cloud, BUCKET, "uploaded.txt")).toBe("put by URL");
  });
});

describe("temporary credentials", () => {
  it("require the matching session token", async () => {
    const withToken = await startLocalCloud({
      buckets: [BUCKET],
      credentials: [{ secretId: "AKIDtemp", secretKey: "temp-secret", sessionToken: "token-1" }],
    });
    try {
      const good = sdkFor(withToken, { SecurityToken: "token-1" });
      await good.putObject({ ...at, Key: "t.txt", Body: "t" });
      expect(withToken.store.head(BUCKET, "t.txt")?.size).toBe(1);
      const bad = sdkFor(withToken, { SecurityToken: "token-2" });
      expect(await rejection(bad.getObject({ ...at, Key: "t.txt" }))).toMatchObject({ code: "InvalidAccessKeyId" });
      const none = sdkFor(withToken);
      expect(await rejection(none.getObject({ ...at, Key: "t.txt" }))).toMatchObject({ statusCode: 403 });
    } finally {
      await withToken.close();
    }
  });
});

describe("default credentials", () => {
  it("come from TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY, else the documented local pair", () => {
    expect(
      credentialsFromEnv({
        TENCENTCLOUD_SECRETID: "id",
        TENCENTCLOUD_SECRETKEY: "key",
        TENCENTCLOUD_SESSIONTOKEN: "tok",
      }),
    ).toEqual({
      secretId: "id",
      secretKey: "key",
      sessionToken: "tok",
    });
    expect(credentialsFromEnv({})).toBe(LOCAL_CREDENTIALS);
  });
});

/** A GET with the bucket's Host header and no Authorization header. */
function httpGet(cloud: LocalCloud, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(
      { host: "127.0.0.1", port: cloud.port, path, headers: { host: `${BUCKET}.cos.${at.Region}.myqcloud.com` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    ).on("error", reject);
  });
}
