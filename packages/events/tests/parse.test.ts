import { describe, expect, it } from "vitest";
import { CosEventError, cosEvent, encodeObjectKey, parseCosEvent, safeParseCosEvent } from "../src/index.ts";
import { readFixture } from "./fixture-files.ts";

type Json = Record<string, any>;
/** A fresh copy of a fixture's first record, to change one thing in. */
function fixture(folder = "object-created-put", variant = "basic"): { event: Json; record: Json } {
  const event = readFixture(folder, variant) as Json;
  return { event, record: event.Records[0] };
}

function first(event: unknown) {
  const [record] = parseCosEvent(event);
  if (!record) throw new Error("no record");
  return record;
}

describe("parseCosEvent", () => {
  it("normalizes the basic Put fixture", () => {
    const { event } = fixture();
    const record = first(event);
    expect(record).toMatchObject({
      eventName: "cos:ObjectCreated:Put",
      kind: "created",
      bucket: "examplebucket-1250000000",
      bucketName: "examplebucket",
      appId: "1250000000",
      region: "ap-guangzhou",
      key: "photos/2026/cat-2.jpg",
      size: 48215,
      contentType: "image/jpeg",
      storageClass: "STANDARD",
      versionId: null,
      sourceIp: "203.0.113.7",
    });
    expect(record.etag).not.toContain('"');
    expect(record.eventTime.toISOString()).toBe("2026-03-14T08:30:00.000Z");
    expect(record.raw).toEqual(event.Records[0]);
  });

  it("keeps unknown fields in raw instead of rejecting them", () => {
    const { event, record } = fixture();
    record.cos.cosObject.newField = { nested: [1, 2] };
    record.event.futureField = "x";
    event.Extra = true;
    const parsed = first(event);
    expect((parsed.raw.cos.cosObject as Json).newField).toEqual({ nested: [1, 2] });
    expect((parsed.raw.event as Json).futureField).toBe("x");
  });

  it("processes every record of a batch, in order", () => {
    const records = parseCosEvent(readFixture("object-created-put", "batch"));
    expect(records.map((r) => r.key)).toEqual(["inbox/a.txt", "inbox/b.csv", "inbox/sub/c.bin"]);
    expect(records[1]?.userMetadata).toEqual({ source: "import" });
  });

  it("reads the documented sample: short region code, no ETag, user metadata", () => {
    const record = first(readFixture("object-created-put", "documented"));
    expect(record).toMatchObject({
      eventName: "cos:ObjectCreated:*",
      region: "ap-chengdu",
      bucket: "testpic-1253970026",
      key: "testfile",
      etag: null,
      contentType: null,
      userMetadata: { mykey: "myvalue" },
    });
  });

  it("reads the real-capture shape: raw key, encoded url, reqid 0", () => {
    const record = first(readFixture("object-created-put", "real-capture"));
    expect(record.key).toBe("!!!!!!!");
    expect(record.region).toBe("ap-shanghai");
    expect(record.requestId).toBe("NjM1ZTM4YzRfOTBhNTJhMDlfMjI1MTFfMWI0NDg3MTk=");
  });

  describe("region", () => {
    it("prefers cosRegion, then s3Region, then the mapped short code", () => {
      const { event, record } = fixture();
      record.cos.cosBucket = {
        ...record.cos.cosBucket,
        region: "gz",
        cosRegion: "ap-shanghai",
        s3Region: "ap-beijing",
      };
      expect(first(event).region).toBe("ap-shanghai");
      delete record.cos.cosBucket.cosRegion;
      expect(first(event).region).toBe("ap-beijing");
      delete record.cos.cosBucket.s3Region;
      expect(first(event).region).toBe("ap-guangzhou");
    });

    it.each([
      ["sh", "ap-shanghai"],
      ["bj", "ap-beijing"],
      ["cd", "ap-chengdu"],
      ["cq", "ap-chongqing"],
      ["hk", "ap-hongkong"],
      ["sg", "ap-singapore"],
      ["tj", "ap-beijing-1"],
      ["usw", "na-siliconvalley"],
      ["de", "eu-frankfurt"],
      ["szjr", "ap-shenzhen-fsi"],
      ["ap-nanjing", "ap-nanjing"],
    ])("maps %s to %s", (code, full) => {
      const { event, record } = fixture();
      record.cos.cosBucket = { ...record.cos.cosBucket, region: code };
      delete record.cos.cosBucket.cosRegion;
      delete record.cos.cosBucket.s3Region;
      expect(first(event).region).toBe(full);
    });
  });

  describe("object keys", () => {
    const keys = [
      "plain.txt",
      "with space.txt",
      "a+b.txt",
      "100%.txt",
      "100%25.txt",
      "%E6%B5%8B",
      "hash#frag",
      "question?mark=1&x",
      "目录/测试 文件.txt",
      "emoji/🐱🎉.png",
      "double//slash",
      "../up/../and/./dots",
      "folder/",
      "/leading",
      "!!!!!!!",
      "tab\tand\nnewline",
      "1250000000/examplebucket/prefix-again",
      "/1250000000/examplebucket/prefix-again",
      "k".repeat(850),
      "测".repeat(283),
    ];

    it.each(keys.map((key) => [key.length > 60 ? `${key.slice(0, 20)}... (${key.length})` : key, key]))(
      "%s decodes the same whether the event carries it raw or percent-encoded",
      (_label, key) => {
        for (const keyEncoding of ["raw", "percent"] as const) {
          const event = cosEvent({
            eventName: "cos:ObjectCreated:Put",
            bucket: "examplebucket-1250000000",
            region: "ap-guangzhou",
            key,
            keyEncoding,
          });
          expect(first(event).key).toBe(key);
        }
      },
    );

    it("strips the /appid/bucket/ prefix once even when it recurs in the key", () => {
      const { event, record } = fixture();
      const key = "1250000000/examplebucket/x";
      record.cos.cosObject.key = `/1250000000/examplebucket/${key}`;
      record.cos.cosObject.url = `http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/${key}`;
      expect(first(event).key).toBe(key);
    });

    it("takes the key as it is when there is no url to cross-check", () => {
      const { event, record } = fixture();
      delete record.cos.cosObject.url;
      record.cos.cosObject.key = "/1250000000/examplebucket/100%25";
      expect(first(event).key).toBe("100%25");
    });

    it("accepts a bucket name that already carries the APPID", () => {
      const { event, record } = fixture();
      record.cos.cosBucket.name = "examplebucket-1250000000";
      expect(first(event).bucket).toBe("examplebucket-1250000000");
    });

    it("rejects a key that disagrees with the url, naming both", () => {
      const { event, record } = fixture();
      record.cos.cosObject.url = `http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/${encodeObjectKey("other key")}`;
      const result = safeParseCosEvent(event);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error.path).toBe("Records[0].cos.cosObject.key");
      expect(result.error.problem).toContain('"photos/2026/cat-2.jpg"');
      expect(result.error.problem).toContain('"other key"');
    });

    it("rejects keys over 850 bytes of UTF-8", () => {
      const key = "测".repeat(284);
      const event = cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: "b-1", region: "gz", key });
      expect(() => parseCosEvent(event)).toThrow("expected at most 850 bytes of UTF-8 (COS's limit), got 852");
    });

    it("rejects a key with a lone surrogate", () => {
      const { event, record } = fixture();
      delete record.cos.cosObject.url;
      record.cos.cosObject.key = "/1250000000/examplebucket/bad\uD800key";
      expect(() => parseCosEvent(event)).toThrow("lone surrogate");
    });
  });

  describe("metadata and fields", () => {
    it("finds meta names whatever their case and strips ETag quotes", () => {
      const { event, record } = fixture();
      record.cos.cosObject.meta = { etag: '"abc"', "content-type": "text/plain", "X-Cos-Meta-Owner": "me" };
      const parsed = first(event);
      expect(parsed.etag).toBe("abc");
      expect(parsed.contentType).toBe("text/plain");
      expect(parsed.userMetadata).toEqual({ Owner: "me" });
    });

    it("keeps a user metadata name like __proto__ as plain data", () => {
      const { event, record } = fixture();
      record.cos.cosObject.meta = JSON.parse('{"x-cos-meta-__proto__": "p", "x-cos-meta-constructor": "c"}');
      const parsed = first(event);
      expect(Object.keys(parsed.userMetadata)).toEqual(["__proto__", "constructor"]);
      expect(Object.getPrototypeOf(parsed.userMetadata)).toBe(Object.prototype);
    });

    it("accepts an ISO eventTime and a numeric-string size", () => {
      const { event, record } = fixture();
      record.event.eventTime = "2026-01-02T03:04:05.000Z";
      record.cos.cosObject.size = "12";
      const parsed = first(event);
      expect(parsed.eventTime.toISOString()).toBe("2026-01-02T03:04:05.000Z");
      expect(parsed.size).toBe(12);
    });

    it("gives null for absent size, meta, vid and source IP", () => {
      const { event, record } = fixture("object-remove-delete");
      delete record.cos.cosObject.size;
      delete record.cos.cosObject.meta;
      delete record.cos.cosObject.vid;
      delete record.event.requestParameters;
      const parsed = first(event);
      expect(parsed).toMatchObject({
        kind: "removed",
        size: null,
        etag: null,
        versionId: null,
        sourceIp: null,
        requestId: null,
      });
      expect(parsed.userMetadata).toEqual({});
    });

    it("maps each event family to its kind", () => {
      expect(first(readFixture("object-remove-delete-marker-created", "versioned"))).toMatchObject({
        kind: "removed",
        versionId: "MTg0NDUxNzc3NDU0NjcwNDQ1NjU",
      });
      expect(first(readFixture("object-restore-completed", "basic")).kind).toBe("restore");
      expect(first(readFixture("object-created-copy", "basic")).kind).toBe("created");
    });
  });

  describe("errors", () => {
    it("reports every problem, the message naming the first", () => {
      const { event, record } = fixture();
      record.event.eventTime = "soon";
      record.cos.cosBucket.appid = "x";
      const result = safeParseCosEvent(event);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error.issues.map((i) => i.path)).toEqual(["Records[0].cos.cosBucket.appid"]);
      record.cos.cosBucket.appid = "1250000000";
      const second = safeParseCosEvent(event);
      if (second.success) throw new Error("expected failure");
      expect(second.error.issues.map((i) => i.path)).toEqual(["Records[0].event.eventTime"]);
    });

    it("collects problems from several records", () => {
      const event = readFixture("object-created-put", "batch") as Json;
      event.Records[0].event.eventName = "nope";
      event.Records[2].cos.cosBucket.cosRegion = "Guangzhou";
      const result = safeParseCosEvent(event);
      if (result.success) throw new Error("expected failure");
      expect(result.error.issues.map((i) => i.path)).toEqual([
        "Records[0].event.eventName",
        "Records[2].cos.cosBucket.cosRegion",
      ]);
      expect(result.error.message).toMatch(/^Records\[0\]\.event\.eventName: .* \(and 1 more\)$/);
    });

    it("throws CosEventError with code, retryable=false and the zod error as cause", () => {
      let caught: unknown;
      try {
        parseCosEvent({ Records: [{}] });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CosEventError);
      const error = caught as CosEventError;
      expect(error.code).toBe("INVALID_COS_EVENT");
      expect(error.retryable).toBe(false);
      expect(error.path).toBe("Records[0].cos");
      expect(error.cause).toBeDefined();
    });

    it.each([undefined, null, 0, "", "{}", [], true, () => 1, Symbol("x"), 10n])(
      "rejects %s with a CosEventError",
      (input) => {
        const result = safeParseCosEvent(input);
        expect(result.success).toBe(false);
        if (!result.success) expect(result.error).toBeInstanceOf(CosEventError);
      },
    );
  });
});
