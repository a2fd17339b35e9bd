import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createHandler, InvocationFailedError, RetryableError } from "../src/index.ts";
import { context, rawEvent } from "./support.ts";

beforeEach(() => {
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("timer events", () => {
  it("run the function's timer work once, with the record context, reported as one entry", async () => {
    const seen: unknown[] = [];
    const main = createHandler({
      name: "timed",
      config: () => ({ batch: 5 }),
      setup: () => ({ queue: "q" }),
      processRecord: async () => {
        throw new Error("no record in a timer event");
      },
      timer: async (event, { config, resources, id, cos, signal }) => {
        seen.push({ name: event.triggerName, message: event.message, config, resources, id, signal: signal.aborted });
        expect(cos.region).toBe("ap-guangzhou");
        return { detail: { flushed: 3 } };
      },
    });
    vi.stubEnv("TENCENTCLOUD_SECRETID", "AKIDtimer0000000000");
    vi.stubEnv("TENCENTCLOUD_SECRETKEY", "timer-secret-key");
    const summary = await main(rawEvent("timer", "documented"), context());
    vi.unstubAllEnvs();
    expect(seen).toEqual([
      {
        name: "EveryDay",
        message: "user define msg body",
        config: { batch: 5 },
        resources: { queue: "q" },
        id: "timer:EveryDay:2019-02-21T11:49:00.000Z",
        signal: false,
      },
    ]);
    expect(summary).toMatchObject({
      processed: 1,
      failed: 0,
      records: [{ bucket: null, key: null, eventName: "timer:EveryDay", outcome: "done", detail: { flushed: 3 } }],
    });
  });

  it("a retryable failure of the timer work makes SCF retry the invocation", async () => {
    const main = createHandler({
      name: "timed",
      config: () => ({}),
      processRecord: async () => undefined,
      timer: async () => {
        throw new RetryableError("THROTTLED", "try later");
      },
    });
    const error = await main(rawEvent("timer"), context()).catch((e) => e);
    expect(error).toBeInstanceOf(InvocationFailedError);
    expect(error.summary.records[0]).toMatchObject({
      outcome: "failed",
      error: { code: "THROTTLED", retryable: true },
    });
  });

  it("a malformed timer event fails naming the field; a function without timer work refuses timer events", async () => {
    const withTimer = createHandler({
      name: "timed",
      config: () => ({}),
      processRecord: async () => undefined,
      timer: async () => undefined,
    });
    const bad = { ...rawEvent("timer"), Time: "soon" };
    const summary = await withTimer(bad, context());
    expect(summary.records[0]?.error).toMatchObject({
      code: "INVALID_COS_EVENT",
      message: "Time: expected the time as ISO 8601",
    });

    const without = createHandler({ name: "plain", config: () => ({}), processRecord: async () => undefined });
    const refused = await without(rawEvent("timer"), context());
    expect(refused.records[0]?.error?.code).toBe("INVALID_COS_EVENT");
    expect(refused.records[0]?.error?.message).toContain("Records");
  });
});
