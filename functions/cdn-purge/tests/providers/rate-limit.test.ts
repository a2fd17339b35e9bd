import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createRateLimiter } from "../../src/providers/rate-limit.ts";
import { backoffMs, DEFAULT_RETRY } from "../../src/providers/retry.ts";

describe("createRateLimiter: one token bucket", () => {
  // On vitest's fake clock: the limiter's waits and its clock advance only when the test says, so the figures are
  // exact and no test depends on the machine's speed.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts `count` takes at once and records the fake time at which each one is let through. */
  function granted(limiter: ReturnType<typeof createRateLimiter>, count: number): number[] {
    const started = Date.now();
    const times: number[] = [];
    for (let i = 0; i < count; i++) void limiter.take().then(() => times.push(Date.now() - started));
    return times;
  }

  it("spaces requests 1000/perSecond ms apart, so no one-second window holds more than perSecond", async () => {
    const times = granted(createRateLimiter({ perSecond: 20 }), 11);
    await vi.advanceTimersByTimeAsync(2000);
    expect(times).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500]);
  });

  it("lets a burst through at once, then refills at the rate", async () => {
    const limiter = createRateLimiter({ perSecond: 10, burst: 3 });
    const first = granted(limiter, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(first).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(100); // one token refilled
    const next = granted(limiter, 2);
    await vi.advanceTimersByTimeAsync(1000);
    // The fourth goes at once on the refilled token; the fifth waits for the next one, 100 ms at 10 a second.
    expect(next).toEqual([0, 100]);
  });

  it("rejects with the signal's reason and gives the reserved turn back", async () => {
    const limiter = createRateLimiter({ perSecond: 2 });
    await limiter.take();
    const controller = new AbortController();
    const waiting = limiter.take(controller.signal);
    controller.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
    // The aborted taker's turn was returned: the next one waits one interval (500 ms), not two.
    const times = granted(limiter, 1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(times).toEqual([500]);
    await expect(limiter.take(AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });

  it("refuses a rate that is not a positive number", () => {
    expect(() => createRateLimiter({ perSecond: 0 })).toThrow(/positive/);
    expect(() => createRateLimiter({ perSecond: Number.NaN })).toThrow(/positive/);
  });
});

describe("backoffMs: exponential with full jitter", () => {
  it("waits between 0 and min(cap, base * 2^(tries - 1))", () => {
    expect(backoffMs(DEFAULT_RETRY, 1, () => 0.999)).toBeCloseTo(DEFAULT_RETRY.baseMs, -1);
    expect(backoffMs(DEFAULT_RETRY, 3, () => 0.5)).toBe(DEFAULT_RETRY.baseMs * 2);
    expect(backoffMs(DEFAULT_RETRY, 30, () => 1)).toBe(DEFAULT_RETRY.capMs);
    expect(backoffMs(DEFAULT_RETRY, 4, () => 0)).toBe(0);
  });
});
