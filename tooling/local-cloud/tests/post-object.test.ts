import { createHash } from "node:crypto";
import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Credentials,
  type LocalCloud,
  type PostObjectAnswer,
  postObjectForm,
  startLocalCloud,
} from "../src/index.ts";
import { at, BUCKET } from "./sdk.ts";

let cloud: LocalCloud;
const events: unknown[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cloud.triggers.add({
    bucket: BUCKET,
    events: ["cos:ObjectCreated:Post"],
    functionName: "f",
    handler: (event) => void events.push(event),
  });
});
afterAll(() => cloud.close());

/** A browser-form upload, signed as COS's POST Object documentation says. */
function postForm(options: {
  key: string;
  file: Buffer;
  filename?: string;
  conditions?: unknown[];
  expiresInSeconds?: number;
  secretKey?: string;
  extra?: Record<string, string>;
}): Promise<PostObjectAnswer> {
  const [credentials] = cloud.credentials as [Credentials];
  return postObjectForm({
    endpoint: cloud.endpoint,
    bucket: BUCKET,
    region: at.Region,
    key: options.key,
    file: options.file,
    filename: options.filename ?? "a.txt",
    credentials: { ...credentials, ...(options.secretKey && { secretKey: options.secretKey }) },
    conditions: options.conditions ?? [
      { bucket: BUCKET },
      ["starts-with", "$key", "uploads/"],
      ["content-length-range", 1, 1000],
    ],
    ...(options.expiresInSeconds !== undefined && { expiresInSeconds: options.expiresInSeconds }),
    fields: { "Content-Type": "text/plain", "x-cos-meta-origin": "browser", ...options.extra },
  });
}

describe("POST Object (browser-form upload)", () => {
  it("stores the file under the key template, with the form's type and metadata, and triggers cos:ObjectCreated:Post", async () => {
    const result = await postForm({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${filename} is COS's placeholder in the key field
      key: "uploads/${filename}",
      filename: "hello.txt",
      file: Buffer.from("hello form"),
    });
    expect(result.body).toBe("");
    expect(result.status).toBe(204);
    expect(result.headers.etag).toBe(`"${createHash("md5").update("hello form").digest("hex")}"`);
    expect(cloud.store.head(BUCKET, "uploads/hello.txt")).toMatchObject({
      size: 10,
      contentType: "text/plain",
      meta: { "x-cos-meta-origin": "browser" },
    });
    await cloud.triggers.idle();
    expect(parseCosEvent(events.at(-1))[0]).toMatchObject({
      eventName: "cos:ObjectCreated:Post",
      key: "uploads/hello.txt",
      size: 10,
    });
  });

  it("answers 201 with a PostResponse when asked", async () => {
    const result = await postForm({
      key: "uploads/b.txt",
      file: Buffer.from("b"),
      extra: { success_action_status: "201" },
    });
    expect(result.status).toBe(201);
    expect(result.body).toContain("<Key>uploads/b.txt</Key>");
  });

  it("refuses a wrong signature, an expired policy, a key or size outside the policy", async () => {
    const wrong = await postForm({ key: "uploads/w.txt", file: Buffer.from("w"), secretKey: "wrong" });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toContain("<Code>SignatureDoesNotMatch</Code>");
    const expired = await postForm({ key: "uploads/e.txt", file: Buffer.from("e"), expiresInSeconds: -10 });
    expect(expired.body).toContain("<Code>AccessDenied</Code>");
    const outside = await postForm({ key: "elsewhere/x.txt", file: Buffer.from("x") });
    expect(outside.body).toContain("starts-with");
    const big = await postForm({ key: "uploads/big.txt", file: Buffer.alloc(2000, 1) });
    expect(big.body).toContain("<Code>EntityTooLarge</Code>");
    for (const key of ["uploads/w.txt", "uploads/e.txt", "elsewhere/x.txt", "uploads/big.txt"]) {
      expect(cloud.store.head(BUCKET, key)).toBeUndefined();
    }
  });
});

describe("POST Object and CAM", () => {
  it("is checked against the form's signer once the form is read: PostObject on the key", async () => {
    const secretId = cloud.credentials[0]?.secretId as string;
    const resource = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";
    cloud.setPolicy(secretId, {
      version: "2.0",
      statement: [{ effect: "allow", action: "name/cos:PostObject", resource: `${resource}/uploads/allowed/*` }],
    });
    try {
      cloud.requests.clear();
      const denied = await postForm({ key: "uploads/other/a.txt", file: Buffer.from("no") });
      expect(denied.status).toBe(403);
      expect(denied.body).toContain("<Code>AccessDenied</Code>");
      expect(cloud.store.head(BUCKET, "uploads/other/a.txt")).toBeUndefined();
      const allowed = await postForm({ key: "uploads/allowed/a.txt", file: Buffer.from("yes") });
      expect(allowed.status).toBe(204);
      expect(cloud.requests.entries.map((e) => [e.action, e.resource, e.secretId, e.status, e.denied])).toEqual([
        ["name/cos:PostObject", `${resource}/uploads/other/a.txt`, secretId, 403, true],
        ["name/cos:PostObject", `${resource}/uploads/allowed/a.txt`, secretId, 204, undefined],
      ]);
      // A form whose signature fails is logged under its action, without a resource: its key was not trusted.
      cloud.requests.clear();
      expect(
        (await postForm({ key: "uploads/allowed/b.txt", file: Buffer.from("x"), secretKey: "wrong" })).status,
      ).toBe(403);
      expect(cloud.requests.entries.map((e) => [e.action, e.resource, e.errorCode])).toEqual([
        ["name/cos:PostObject", null, "SignatureDoesNotMatch"],
      ]);
    } finally {
      cloud.setPolicy(secretId, undefined);
    }
  });
});

describe("POST Object with x-cos-acl and versioning", () => {
  it("takes the form's x-cos-acl (doc 436/14690) and, on a versioned bucket, answers the new x-cos-version-id", async () => {
    const result = await postForm({
      key: "uploads/acl.txt",
      file: Buffer.from("acl"),
      extra: { "x-cos-acl": "public-read" },
    });
    expect(result.status).toBe(204);
    expect(result.headers["x-cos-version-id"]).toBeUndefined();
    expect(cloud.store.head(BUCKET, "uploads/acl.txt")?.acl).toBe("public-read");

    await cloud.store.setVersioning(BUCKET, "Enabled");
    const versioned = await postForm({ key: "uploads/v.txt", file: Buffer.from("v") });
    expect(versioned.headers["x-cos-version-id"]).toBe(cloud.store.head(BUCKET, "uploads/v.txt")?.versionId);
    expect(versioned.headers["x-cos-version-id"]).toMatch(/^[A-Za-z0-9+/]{8,}$/);
  });
});

describe("POST Object without a Content-Type", () => {
  it("stores the key's extension's type when the form's Content-Type is empty (as a PUT does)", async () => {
    const result = await postForm({ key: "uploads/pic.png", file: Buffer.from("png"), extra: { "Content-Type": "" } });
    expect(result.status).toBe(204);
    expect(cloud.store.head(BUCKET, "uploads/pic.png")?.contentType).toBe("image/png");
  });
});
