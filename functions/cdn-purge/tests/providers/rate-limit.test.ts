import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../src/providers/rate-limit.ts";
import { backoffMs, DEFAULT_RETRY } from "../../src/providers/retry.ts";

describe("createRateLimiter: one token bucket", () => {
  it("spaces requests 1000/perSecond ms apart, so no one-second window holds more than perSecond", async () => {
    const limiter = createRateLimiter({ perSecond: 20 });
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 11 }, async () => {
        await limiter.take();
        times.push(performance.now() - started);
      }),
    );
    times.sort((a, b) => a - b);
    expect(times[0]).toBeLessThan(20);
    // Ten waits of 50 ms after the first.
    expect(times[10]).toBeGreaterThanOrEqual(480);
    expect(times[10]).toBeLessThan(800);
    for (let i = 1; i < times.length; i++) expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThan(35);
  });

  it("lets a burst through at once, then refills at the rate", async () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 10, burst: 3, now: () => now });
    const started = performance.now();
    await limiter.take();
    await limiter.take();
    await limiter.take();
    now = 100; // one token refilled
    await limiter.take();
    expect(performance.now() - started).toBeLessThan(30);
    // The bucket is empty: the next taker waits for the next token, 100 ms at 10 a second.
    await limiter.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
  });

  it("rejects with the signal's reason and gives the reserved turn back", async () => {
    const limiter = createRateLimiter({ perSecond: 2 });
    await limiter.take();
    const controller = new AbortController();
    const waiting = limiter.take(controller.signal);
    controller.abort(new Error("deadline"));
    await expect(waiting).rejects.toThrow("deadline");
    // The aborted taker's turn was returned: the next one waits one interval, not two.
    const started = performance.now();
    await limiter.take();
    expect(performance.now() - started).toBeLessThan(700);
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
