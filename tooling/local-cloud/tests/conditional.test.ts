import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, rawRequest, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let etag: string;
const Key = "cond/file.txt";

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
  etag = (await cos.putObject({ ...at, Key, Body: "0123456789" })).ETag;
});
afterAll(() => cloud.close());

describe("conditional GET and HEAD", () => {
  it("serve GET, range GET and HEAD when If-Match names the ETag", async () => {
    expect(String((await cos.getObject({ ...at, Key, IfMatch: etag })).Body)).toBe("0123456789");
    const range = await cos.getObject({ ...at, Key, IfMatch: etag, Range: "bytes=2-4" });
    expect(range.statusCode).toBe(206);
    expect(String(range.Body)).toBe("234");
    const head = await cos.headObject({ ...at, Key, Headers: { "If-Match": etag } });
    expect(head.statusCode).toBe(200);
  });

  it("answer 412 PreconditionFailed when If-Match names another ETag, for GET, range GET and HEAD", async () => {
    const other = '"0123456789abcdef0123456789abcdef"';
    for (const call of [
      cos.getObject({ ...at, Key, IfMatch: other }),
      cos.getObject({ ...at, Key, IfMatch: other, Range: "bytes=0-1" }),
    ]) {
      expect(await rejection(call)).toMatchObject({ statusCode: 412, code: "PreconditionFailed" });
    }
    // A HEAD answer has no body: the SDK sees the status, the code is in x-cos-error-code.
    expect(await rejection(cos.headObject({ ...at, Key, Headers: { "If-Match": other } }))).toMatchObject({
      statusCode: 412,
    });
    const head = await rawRequest(cloud, { method: "HEAD", key: Key, headers: { "if-match": other } });
    expect(head.headers["x-cos-error-code"]).toBe("PreconditionFailed");
    const raw = await rawRequest(cloud, { method: "GET", key: Key, headers: { "if-match": other } });
    expect(raw.status).toBe(412);
    expect(raw.body).toContain("<Code>PreconditionFailed</Code>");
  });

  it("answer 304 when If-None-Match names the ETag, for GET and HEAD", async () => {
    expect((await rawRequest(cloud, { method: "GET", key: Key, headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await rawRequest(cloud, { method: "HEAD", key: Key, headers: { "if-none-match": etag } })).status).toBe(
      304,
    );
    const changed = await rawRequest(cloud, { method: "GET", key: Key, headers: { "if-none-match": '"other"' } });
    expect(changed).toMatchObject({ status: 200, body: "0123456789" });
    const error = await rejection(cos.getObject({ ...at, Key, IfNoneMatch: etag }));
    expect(error.statusCode).toBe(304);
  });

  it.each([
    // [headers, status]
    [{ "if-match": "*" }, 200],
    [{ "if-match": '"aaa", ETAG' }, 200],
    [{ "if-match": "W/ETAG" }, 200],
    [{ "if-none-match": "*" }, 304],
    [{ "if-none-match": '"aaa", ETAG' }, 304],
    // If-Match is evaluated before If-None-Match (RFC 9110 §13.2.2).
    [{ "if-match": '"aaa"', "if-none-match": "ETAG" }, 412],
    [{ "if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT" }, 412],
    [{ "if-unmodified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }, 200],
    // If-Match, when present, decides instead of If-Unmodified-Since.
    [{ "if-match": "ETAG", "if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT" }, 200],
    [{ "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }, 304],
    [{ "if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT" }, 200],
    [{ "if-none-match": '"aaa"', "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" }, 200],
    [{ "if-match": "ETAG", range: "bytes=0-0" }, 206],
  ] as const)("%j -> %i", async (headers, status) => {
    const resolved = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace("ETAG", etag)]));
    expect((await rawRequest(cloud, { method: "GET", key: Key, headers: resolved })).status).toBe(status);
  });

  it("answer 404 rather than 412 for a key that does not exist", async () => {
    expect(await rejection(cos.getObject({ ...at, Key: "cond/none", IfMatch: etag }))).toMatchObject({
      statusCode: 404,
    });
  });
});
