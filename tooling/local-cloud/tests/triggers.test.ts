import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, rulesOverlap, type ScfContext, startLocalCloud, TriggerOverlapError } from "../src/index.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
const calls: { event: unknown; context: ScfContext; functionName: string }[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], triggers: { retryDelaysMs: [20, 40] } });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
beforeEach(() => {
  cloud.triggers.clear();
  calls.length = 0;
});

function record(functionName: string) {
  return (event: unknown, context: ScfContext) => {
    calls.push({ event, context, functionName });
    return { ok: true };
  };
}

/** Every path in a JSON document with the type of its value, to compare shapes. */
function shape(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return [`${prefix}:array`, ...(value.length ? shape(value[0], `${prefix}[]`) : [])];
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => (k.startsWith("x-cos-meta-") ? [] : shape(v, `${prefix}.${k}`)));
  }
  return [`${prefix}:${typeof value}`];
}

const fixture = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../../test-fixtures/events/object-created-put/basic.json", import.meta.url)),
    "utf8",
  ),
);

describe("triggers", () => {
  it("invoke the bound function with the exact SCF event shape, after the request was answered", async () => {
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      functionName: "on-upload",
      handler: record("on-upload"),
      context: { time_limit_in_ms: 900_000, environment: { A: "1" } },
    });
    await cos.putObject({
      ...at,
      Key: "up/a b/测试.txt",
      Body: "hello",
      ContentType: "text/plain",
      Headers: { "x-cos-meta-owner": "me" },
    });
    await cloud.triggers.idle();
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(shape(call?.event).sort()).toEqual(shape(fixture).sort());
    const [parsed] = parseCosEvent(call?.event);
    const stored = cloud.store.head(BUCKET, "up/a b/测试.txt");
    expect(parsed).toMatchObject({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "up/a b/测试.txt",
      size: 5,
      etag: stored?.etag,
      contentType: "text/plain",
      userMetadata: { owner: "me" },
      sourceIp: "127.0.0.1",
    });
    expect(parsed?.requestId).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(call?.context).toMatchObject({
      function_name: "on-upload",
      time_limit_in_ms: 900_000,
      environment: '{"A":"1"}',
    });
    expect(cloud.triggers.invocations.at(-1)).toMatchObject({
      status: "succeeded",
      functionName: "on-upload",
      attempts: [{ result: { ok: true } }],
    });
  });

  it("name each kind of change: Put, Copy, CompleteMultipartUpload, Delete", async () => {
    cloud.store.minPartBytes = 1;
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
      functionName: "all",
      handler: record("all"),
    });
    await cos.putObject({ ...at, Key: "kinds/put", Body: "p" });
    await cos.putObjectCopy({
      ...at,
      Key: "kinds/copy",
      CopySource: `${BUCKET}.cos.${at.Region}.myqcloud.com/kinds/put`,
    });
    const { UploadId } = await cos.multipartInit({ ...at, Key: "kinds/multi" });
    const part = await cos.multipartUpload({ ...at, Key: "kinds/multi", UploadId, PartNumber: 1, Body: "m" });
    await cos.multipartComplete({ ...at, Key: "kinds/multi", UploadId, Parts: [{ PartNumber: 1, ETag: part.ETag }] });
    await cos.deleteObject({ ...at, Key: "kinds/put" });
    await cos.deleteMultipleObject({ ...at, Objects: [{ Key: "kinds/copy" }] });
    await cloud.triggers.idle();
    const seen = calls.map((c) => parseCosEvent(c.event)[0]).map((r) => `${r?.eventName} ${r?.key}`);
    expect(seen.sort()).toEqual(
      [
        "cos:ObjectCreated:Put kinds/put",
        "cos:ObjectCreated:Copy kinds/copy",
        "cos:ObjectCreated:CompleteMultipartUpload kinds/multi",
        "cos:ObjectRemove:Delete kinds/put",
        "cos:ObjectRemove:Delete kinds/copy",
      ].sort(),
    );
  });

  it("filter by event name, prefix and suffix like COS rules", async () => {
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:Put"],
      prefix: "in/",
      suffix: ".zip",
      functionName: "zips",
      handler: record("zips"),
    });
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectRemove:*"],
      functionName: "removes",
      handler: record("removes"),
    });
    cloud.triggers.add({
      bucket: "otherbucket-1250000000",
      events: ["*"],
      functionName: "other",
      handler: record("other"),
    });
    for (const key of ["in/a.zip", "in/a.txt", "out/b.zip", "in/sub/c.zip"])
      await cos.putObject({ ...at, Key: key, Body: "z" });
    await cos.deleteObject({ ...at, Key: "in/a.txt" });
    await cloud.triggers.idle();
    const seen = calls.map((c) => `${c.functionName} ${parseCosEvent(c.event)[0]?.key}`).sort();
    expect(seen).toEqual(["removes in/a.txt", "zips in/a.zip", "zips in/sub/c.zip"]);
  });

  it("retry a throwing handler on SCF's schedule and log every attempt", async () => {
    let attempts = 0;
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "retry/flaky/",
      functionName: "flaky",
      handler: () => {
        attempts++;
        if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
        return "done";
      },
    });
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "retry/broken/",
      functionName: "broken",
      handler: () => {
        throw new TypeError("always broken");
      },
    });
    // Two functions need rules that do not overlap (COS refuses overlapping rules of different functions).
    await cos.putObject({ ...at, Key: "retry/flaky/x", Body: "r" });
    await cos.putObject({ ...at, Key: "retry/broken/x", Body: "r" });
    await cloud.triggers.idle();
    const flaky = cloud.triggers.invocations.find((i) => i.functionName === "flaky" && i.key === "retry/flaky/x");
    expect(flaky?.status).toBe("succeeded");
    expect(flaky?.attempts.map((a) => a.error?.message ?? a.result)).toEqual([
      "attempt 1 failed",
      "attempt 2 failed",
      "done",
    ]);
    const gap = Date.parse(flaky?.attempts[1]?.startedAt ?? "") - Date.parse(flaky?.attempts[0]?.startedAt ?? "");
    expect(gap).toBeGreaterThanOrEqual(15);
    const broken = cloud.triggers.invocations.find((i) => i.functionName === "broken" && i.key === "retry/broken/x");
    expect(broken?.status).toBe("failed");
    expect(broken?.attempts).toHaveLength(3);
    expect(broken?.attempts[2]?.error).toEqual({ name: "TypeError", message: "always broken" });
  });

  it("give every retry the original event, whatever the handler did to it", async () => {
    const received: string[] = [];
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["*"],
      prefix: "mutate/",
      functionName: "mutator",
      handler: (event) => {
        const e = event as { Records: { cos: { cosObject: { key: string } } }[] };
        received.push(e.Records[0]?.cos.cosObject.key ?? "");
        (e.Records[0] as { cos: { cosObject: { key: string } } }).cos.cosObject.key = "changed";
        if (received.length < 2) throw new Error("again");
      },
    });
    await cos.putObject({ ...at, Key: "mutate/k", Body: "m" });
    await cloud.triggers.idle();
    expect(received).toEqual(["/1250000000/examplebucket/mutate/k", "/1250000000/examplebucket/mutate/k"]);
  });
});

describe("overlapping rules", () => {
  const rule = (events: string[], prefix?: string, suffix?: string, bucket = BUCKET) => ({
    bucket,
    events,
    ...(prefix !== undefined && { prefix }),
    ...(suffix !== undefined && { suffix }),
  });
  it.each([
    // [what, a, b, overlap]
    ["the same rule", rule(["cos:ObjectCreated:*"]), rule(["cos:ObjectCreated:*"]), true],
    ["another bucket", rule(["cos:ObjectCreated:*"]), rule(["cos:ObjectCreated:*"], "", "", "other-1250000000"), false],
    ["a :* and one of its events", rule(["cos:ObjectCreated:*"]), rule(["cos:ObjectCreated:Put"]), true],
    ["two events of one kind", rule(["cos:ObjectCreated:Put"]), rule(["cos:ObjectCreated:Post"]), false],
    ["created and removed", rule(["cos:ObjectCreated:*"]), rule(["cos:ObjectRemove:*"]), false],
    ["* and any event", rule(["*"]), rule(["cos:ObjectRemove:Delete"]), true],
    ["cos:* and any COS event", rule(["cos:*"]), rule(["cos:ObjectRestore:Post"]), true],
    [
      "some event of a list",
      rule(["cos:ObjectRemove:*", "cos:ObjectCreated:Copy"]),
      rule(["cos:ObjectCreated:*"]),
      true,
    ],
    ["no prefix overlaps any prefix", rule(["cos:ObjectCreated:*"]), rule(["cos:ObjectCreated:*"], "in/"), true],
    [
      "an empty prefix overlaps any prefix",
      rule(["cos:ObjectCreated:*"], ""),
      rule(["cos:ObjectCreated:*"], "in/"),
      true,
    ],
    ["nested prefixes", rule(["cos:ObjectCreated:*"], "in/"), rule(["cos:ObjectCreated:*"], "in/zips/"), true],
    ["sibling prefixes", rule(["cos:ObjectCreated:*"], "in/"), rule(["cos:ObjectCreated:*"], "out/"), false],
    [
      "a prefix that merely starts alike",
      rule(["cos:ObjectCreated:*"], "in/a"),
      rule(["cos:ObjectCreated:*"], "in/b"),
      false,
    ],
    ["no suffix overlaps any suffix", rule(["cos:ObjectCreated:*"]), rule(["cos:ObjectCreated:*"], "", ".zip"), true],
    ["nested suffixes", rule(["cos:ObjectCreated:*"], "", ".tar.gz"), rule(["cos:ObjectCreated:*"], "", ".gz"), true],
    ["different suffixes", rule(["cos:ObjectCreated:*"], "", ".zip"), rule(["cos:ObjectCreated:*"], "", ".tgz"), false],
    [
      "prefixes overlap, suffixes do not",
      rule(["cos:ObjectCreated:*"], "in/", ".zip"),
      rule(["cos:ObjectCreated:*"], "in/", ".jpg"),
      false,
    ],
    [
      "suffixes overlap, prefixes do not",
      rule(["cos:ObjectCreated:*"], "a/", ".zip"),
      rule(["cos:ObjectCreated:*"], "b/", ".zip"),
      false,
    ],
    [
      "filters overlap, events do not",
      rule(["cos:ObjectCreated:Put"], "in/"),
      rule(["cos:ObjectRemove:*"], "in/"),
      false,
    ],
  ] as const)("%s: %s", (_what, a, b, overlap) => {
    expect(rulesOverlap(a as never, b as never)).toBe(overlap);
    expect(rulesOverlap(b as never, a as never)).toBe(overlap);
  });

  const bind = (functionName: string, events: string[], filter: { prefix?: string; suffix?: string } = {}) =>
    cloud.triggers.add({ bucket: BUCKET, events, ...filter, functionName, handler: record(functionName) });

  it("refuse a rule that overlaps another function's rule, naming both rules and both functions", () => {
    bind("unzip", ["cos:ObjectCreated:*"], { suffix: ".zip" });
    const adding = () => bind("index", ["cos:ObjectCreated:Put"], { prefix: "in/" });
    expect(adding).toThrow(TriggerOverlapError);
    expect(adding).toThrow(
      'the trigger rule examplebucket-1250000000 [cos:ObjectCreated:Put] prefix "in/" suffix "" of function index overlaps the rule examplebucket-1250000000 [cos:ObjectCreated:*] prefix "" suffix ".zip" of function unzip',
    );
    expect(cloud.triggers.rules.map((r) => r.functionName)).toEqual(["unzip"]);
  });

  it("let rules of one function overlap, and rules of others coexist when they do not overlap", () => {
    bind("unzip", ["cos:ObjectCreated:*"], { suffix: ".zip" });
    bind("unzip", ["cos:ObjectCreated:Put"], { suffix: ".zip" });
    bind("label", ["cos:ObjectCreated:*"], { suffix: ".jpg" });
    bind("index", ["cos:ObjectRemove:*"]);
    expect(cloud.triggers.rules).toHaveLength(4);
  });
});
