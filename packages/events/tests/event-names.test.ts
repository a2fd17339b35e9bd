import { describe, expect, it } from "vitest";
import { COS_EVENT_NAMES, eventKind, matchesEventName, parseCosEvent, recordId } from "../src/index.ts";
import { readFixture } from "./fixture-files.ts";

describe("matchesEventName", () => {
  it.each([
    ["cos:ObjectCreated:*", "cos:ObjectCreated:Put", true],
    ["cos:ObjectCreated:*", "cos:ObjectCreated:CompleteMultipartUpload", true],
    ["cos:ObjectCreated:*", "cos:ObjectCreated:*", true],
    ["cos:ObjectCreated:*", "cos:ObjectRemove:Delete", false],
    ["cos:ObjectCreated:Put", "cos:ObjectCreated:Put", true],
    ["cos:ObjectCreated:Put", "cos:ObjectCreated:Post", false],
    ["cos:ObjectCreated:Put", "cos:ObjectCreated:*", false],
    ["cos:ObjectRemove:*", "cos:ObjectRemove:DeleteMarkerCreated", true],
    ["cos:*", "cos:ObjectRestore:Completed", true],
    ["*", "cos:ObjectRestore:Post", true],
    ["cos:ObjectCreated:*", "cos:ObjectCreated", false],
    ["cos:ObjectCreated", "cos:ObjectCreated:Put", false],
  ])("%s vs %s -> %s", (pattern, name, expected) => {
    expect(matchesEventName(pattern, name)).toBe(expected);
  });
});

describe("eventKind", () => {
  it("knows every listed event name", () => {
    expect(COS_EVENT_NAMES.map(eventKind)).not.toContain(undefined);
  });
  it("refuses S3's spelling", () => {
    expect(eventKind("cos:ObjectRemoved:Delete")).toBeUndefined();
  });
});

describe("recordId", () => {
  const [record] = parseCosEvent(readFixture("object-created-put", "basic"));
  if (!record) throw new Error("fixture has no record");

  it("is stable for the same change and ignores reqid", () => {
    const again = readFixture("object-created-put", "basic") as { Records: Record<string, any>[] };
    (again.Records[0] as Record<string, any>).event.reqid = 12345;
    const [same] = parseCosEvent(again);
    expect(same && recordId(same)).toBe(recordId(record));
    expect(recordId(record)).toMatch(/^[0-9a-f]{32}$/);
  });

  it.each([
    ["bucket", { bucket: "other-1250000000" }],
    ["key", { key: "other" }],
    ["version", { versionId: "v2" }],
    ["etag", { etag: "ffff" }],
    ["event name", { eventName: "cos:ObjectCreated:Copy" }],
    ["time", { eventTime: new Date(record.eventTime.getTime() + 1000) }],
  ])("changes with the %s", (_what, change) => {
    expect(recordId({ ...record, ...change })).not.toBe(recordId(record));
  });

  it("does not confuse fields whose text runs together", () => {
    expect(recordId({ ...record, bucket: "a-1", key: "bc" })).not.toBe(
      recordId({ ...record, bucket: "a-1b", key: "c" }),
    );
  });
});
