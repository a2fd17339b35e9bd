import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, type ScfContext, startLocalCloud } from "../src/index.ts";
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
      prefix: "retry/",
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
      prefix: "retry/",
      functionName: "broken",
      handler: () => {
        throw new TypeError("always broken");
      },
    });
    await cos.putObject({ ...at, Key: "retry/x", Body: "r" });
    await cloud.triggers.idle();
    const flaky = cloud.triggers.invocations.find((i) => i.functionName === "flaky" && i.key === "retry/x");
    expect(flaky?.status).toBe("succeeded");
    expect(flaky?.attempts.map((a) => a.error?.message ?? a.result)).toEqual([
      "attempt 1 failed",
      "attempt 2 failed",
      "done",
    ]);
    const gap = Date.parse(flaky?.attempts[1]?.startedAt ?? "") - Date.parse(flaky?.attempts[0]?.startedAt ?? "");
    expect(gap).toBeGreaterThanOrEqual(15);
    const broken = cloud.triggers.invocations.find((i) => i.functionName === "broken" && i.key === "retry/x");
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
