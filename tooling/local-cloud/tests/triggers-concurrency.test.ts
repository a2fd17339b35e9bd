import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud, Triggers } from "../src/index.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], triggers: { concurrency: 2, retryDelaysMs: [5] } });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
beforeEach(() => cloud.triggers.clear());

/** A handler whose invocations each wait until the test lets them end (or fail), recording the keys started. */
function gated() {
  const started: string[] = [];
  const gates: { key: string; end: (fail?: boolean) => void }[] = [];
  let running = 0;
  let mostRunning = 0;
  let onStart: (() => void) | undefined;
  const handler = (event: unknown) => {
    const key = parseCosEvent(event)[0]?.key as string;
    started.push(key);
    running++;
    mostRunning = Math.max(mostRunning, running);
    onStart?.();
    return new Promise((resolve, reject) => {
      gates.push({
        key,
        end: (fail) => {
          running--;
          if (fail) reject(new Error(`${key} failed`));
          else resolve({ key });
        },
      });
    });
  };
  /** Resolves once `count` invocations have started in all. */
  const startedCount = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (started.length >= count) resolve();
      };
      onStart = check;
      check();
    });
  return { handler, started, gates, startedCount, mostRunning: () => mostRunning };
}

const statusOf = (key: string) => cloud.triggers.invocations.filter((i) => i.key === key).map((i) => i.status);

describe("triggers' concurrency", () => {
  it("run at most `concurrency` invocations of one function at once; the others wait in order, pending", async () => {
    const fn = gated();
    cloud.triggers.add({ bucket: BUCKET, events: ["cos:ObjectCreated:*"], prefix: "c1/", functionName: "f1", ...fn });
    const keys = ["c1/0", "c1/1", "c1/2", "c1/3", "c1/4"];
    for (const key of keys) await cos.putObject({ ...at, Key: key, Body: key });
    await fn.startedCount(2);
    expect(fn.started).toEqual(["c1/0", "c1/1"]);
    expect(keys.map((key) => statusOf(key)[0])).toEqual(["running", "running", "pending", "pending", "pending"]);

    // One ends: the next change in order takes its place, and only one does.
    fn.gates.shift()?.end();
    await fn.startedCount(3);
    expect(fn.started).toEqual(["c1/0", "c1/1", "c1/2"]);
    expect(keys.map((key) => statusOf(key)[0])).toEqual(["succeeded", "running", "running", "pending", "pending"]);

    // A failed attempt gives its place up while it waits for its retry; the retry queues behind the others.
    fn.gates.shift()?.end(true);
    await fn.startedCount(4);
    expect(fn.started.at(-1)).toBe("c1/3");
    while (fn.started.length < 6) {
      const started = fn.started.length;
      for (const gate of fn.gates.splice(0)) gate.end();
      await fn.startedCount(started + 1);
    }
    for (const gate of fn.gates.splice(0)) gate.end();
    await cloud.triggers.idle();
    expect(fn.started).toEqual(["c1/0", "c1/1", "c1/2", "c1/3", "c1/4", "c1/1"]);
    expect(fn.mostRunning()).toBe(2);
    expect(keys.map((key) => statusOf(key)[0])).toEqual(Array(5).fill("succeeded"));
    const retried = cloud.triggers.invocations.find((i) => i.key === "c1/1");
    expect(retried?.attempts.map((a) => a.error?.message ?? "ok")).toEqual(["c1/1 failed", "ok"]);
  });

  it("count each function apart: another function runs while the first one's places are taken", async () => {
    const busy = gated();
    const other = gated();
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "c2/a/",
      functionName: "busy",
      ...busy,
    });
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "c2/b/",
      functionName: "other",
      ...other,
    });
    for (const key of ["c2/a/0", "c2/a/1", "c2/a/2", "c2/b/0", "c2/b/1"])
      await cos.putObject({ ...at, Key: key, Body: key });
    await busy.startedCount(2);
    await other.startedCount(2);
    expect(busy.started).toEqual(["c2/a/0", "c2/a/1"]);
    expect(other.started).toEqual(["c2/b/0", "c2/b/1"]);
    expect(statusOf("c2/a/2")).toEqual(["pending"]);
    for (const fn of [busy, other]) for (const gate of fn.gates.splice(0)) gate.end();
    await busy.startedCount(3);
    for (const gate of busy.gates.splice(0)) gate.end();
    await cloud.triggers.idle();
    expect(statusOf("c2/a/2")).toEqual(["succeeded"]);
  });

  it("refuse a concurrency under 1, and run everything at once without one", async () => {
    expect(() => new Triggers({ concurrency: 0 })).toThrow("triggers: concurrency must be at least 1, got 0");
    const unlimited = new Triggers();
    const fn = gated();
    unlimited.add({ bucket: BUCKET, events: ["cos:ObjectCreated:*"], functionName: "all", ...fn });
    const object = { size: 1, etag: '"e"', contentType: "text/plain", meta: {}, storageClass: "STANDARD" };
    for (let i = 0; i < 20; i++) {
      unlimited.dispatch({
        operation: "Put",
        bucket: BUCKET,
        region: "ap-guangzhou",
        key: `u/${i}`,
        object,
        requestId: `r${i}`,
        sourceIp: "127.0.0.1",
      } as never);
    }
    await fn.startedCount(20);
    expect(fn.mostRunning()).toBe(20);
    for (const gate of fn.gates.splice(0)) gate.end();
    await unlimited.idle();
    expect(unlimited.invocations.map((i) => i.status)).toEqual(Array(20).fill("succeeded"));
  });
});
