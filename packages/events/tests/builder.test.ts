import { describe, expect, it } from "vitest";
import { cosEvent, parseCosEvent } from "../src/index.ts";
import { readFixture } from "./fixture-files.ts";

const input = {
  eventName: "cos:ObjectCreated:Put",
  bucket: "examplebucket-1250000000",
  region: "ap-guangzhou",
  key: "a b/测试.txt",
  size: 5,
  etag: "5d41402abc4b2a76b9719d911017c592",
  eventTime: new Date("2026-03-14T08:30:00Z"),
  requestId: "req-1",
  sourceIp: "203.0.113.7",
  functionName: "cosfn-example",
};

describe("cosEvent", () => {
  it("builds the exact SCF shape, real-event extras included", () => {
    const event = cosEvent({ ...input, key: "photos/2026/cat-2.jpg", size: 48215, contentType: "image/jpeg" });
    const expected = readFixture("object-created-put", "basic") as { Records: Record<string, any>[] };
    const record = expected.Records[0] as Record<string, any>;
    record.cos.cosObject.meta["x-cos-request-id"] = "req-1";
    record.cos.cosObject.meta.ETag = `"${input.etag}"`;
    expect(event).toEqual(expected);
  });

  it("builds what the parser reads back", () => {
    const [record] = parseCosEvent(cosEvent({ ...input, versionId: "v1", userMetadata: { owner: "me" } }));
    expect(record).toMatchObject({
      key: "a b/测试.txt",
      region: "ap-guangzhou",
      kind: "created",
      size: 5,
      etag: input.etag,
      versionId: "v1",
      storageClass: "STANDARD",
      userMetadata: { owner: "me" },
      requestId: "req-1",
      sourceIp: "203.0.113.7",
    });
  });

  it("writes the short region code beside the full names, and accepts a short code", () => {
    const event = cosEvent({ ...input, region: "sh" }) as { Records: Record<string, any>[] };
    expect(event.Records[0]?.cos.cosBucket).toMatchObject({
      region: "sh",
      cosRegion: "ap-shanghai",
      s3Region: "ap-shanghai",
    });
    expect(event.Records[0]?.event.eventQueue).toBe(
      "qcs:0:scf:ap-shanghai:appid/1250000000:default.cosfn-example.$DEFAULT",
    );
  });

  it("builds one record per input", () => {
    const event = cosEvent([input, { ...input, key: "second" }]);
    expect(parseCosEvent(event).map((r) => r.key)).toEqual(["a b/测试.txt", "second"]);
  });

  it("encodes the url the way COS does and keeps the key raw unless asked", () => {
    const raw = cosEvent({ ...input, key: "!(x) y" }) as { Records: Record<string, any>[] };
    expect(raw.Records[0]?.cos.cosObject.url).toBe(
      "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%21%28x%29%20y",
    );
    expect(raw.Records[0]?.cos.cosObject.key).toBe("/1250000000/examplebucket/!(x) y");
    const percent = cosEvent({ ...input, key: "!(x) y", keyEncoding: "percent" }) as { Records: Record<string, any>[] };
    expect(percent.Records[0]?.cos.cosObject.key).toBe("/1250000000/examplebucket/%21%28x%29%20y");
  });

  it.each([
    [{ bucket: "examplebucket" }, 'bucket "examplebucket": expected "<name>-<appid>"'],
    [{ bucket: "Example-125" }, 'bucket "Example-125"'],
    [{ region: "mars-1" }, 'region "mars-1": not a COS region'],
    [{ key: "" }, "key: expected a non-empty object key"],
  ])("refuses %o", (change, message) => {
    expect(() => cosEvent({ ...input, ...change })).toThrow(message);
  });
});
