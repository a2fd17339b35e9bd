import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Faults, type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, rawRequest, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cos = sdkFor(cloud);
  await cos.putObject({ ...at, Key: "f.bin", Body: Buffer.alloc(100_000, 5) });
});
afterAll(() => cloud.close());
afterEach(() => cloud.faults.clear());

describe("fault injection", () => {
  it("answers 503 SlowDown for matching requests, as many times as asked, without handling them", async () => {
    cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", pattern: /\/slow\//, times: 1 });
    const first = await rawRequest(cloud, { method: "PUT", key: "slow/a", body: "a" });
    expect(first.status).toBe(503);
    expect(first.body).toContain("<Code>SlowDown</Code>");
    expect(cloud.store.head(BUCKET, "slow/a")).toBeUndefined();
    expect((await rawRequest(cloud, { method: "PUT", key: "slow/a", body: "a" })).status).toBe(200);
    expect((await rawRequest(cloud, { method: "PUT", key: "fast/a", body: "a" })).status).toBe(200);
    expect(cloud.faults.injected.unavailable).toBe(1);
  });

  it("resets connections", async () => {
    cloud.faults.add({ fault: { kind: "reset" }, method: "GET", times: 1 });
    const error = await rejection(rawRequest(cloud, { method: "GET", key: "f.bin" }));
    expect(String((error as { code?: string }).code)).toMatch(/ECONNRESET|socket hang up/);
  });

  it("truncates bodies: the headers promise more than arrives", async () => {
    cloud.faults.add({ fault: { kind: "truncate", fraction: 0.25 }, method: "GET", times: 1 });
    const error = await rejection(rawRequest(cloud, { method: "GET", key: "f.bin" }));
    expect(String((error as { code?: string; message?: string }).code ?? error.message)).toMatch(/ECONNRESET|aborted/);
  });

  it("adds latency", async () => {
    cloud.faults.add({ fault: { kind: "latency", ms: 150 }, times: 1 });
    const started = Date.now();
    await cos.headObject({ ...at, Key: "f.bin" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("picks requests at the given rate", () => {
    let state = 1;
    const seeded = () => {
      state = (state * 48271) % 2147483647;
      return state / 2147483647;
    };
    const faults = new Faults(seeded);
    faults.add({ fault: { kind: "unavailable" }, rate: 0.3 });
    const req = { method: "GET", url: "/k", headers: { host: "h" } } as unknown as Parameters<Faults["pick"]>[0];
    let hits = 0;
    for (let i = 0; i < 2000; i++) hits += faults.pick(req).length;
    expect(hits).toBeGreaterThan(500);
    expect(hits).toBeLessThan(700);
  });
});
