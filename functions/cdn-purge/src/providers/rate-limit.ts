/** Hands out permission to send one request, at most `perSecond` a second. */
export interface RateLimiter {
  readonly perSecond: number;
  /** Resolves when a request may be sent; rejects with the signal's reason if it aborts first. */
  take(signal?: AbortSignal): Promise<void>;
}

export interface RateLimiterOptions {
  /** Requests a second. Default 20 (CDN's and EdgeOne's per-account rate). */
  perSecond?: number | undefined;
  /**
   * Requests that may go at once after a quiet spell. Default 1: requests are spaced `1000 / perSecond` ms
   * apart, so no one-second window, however placed, holds more than `perSecond` of them (a larger burst lets
   * `burst + perSecond` through a window, which the API's per-second limit counts as too many).
   */
  burst?: number | undefined;
  /** For tests: the clock. */
  now?: () => number;
}

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. Takers wait in arrival order, each reserving the next
 * token (the bucket may go below zero, each waiter for its own turn); a taker whose signal aborts gives its
 * reservation back.
 */
export function createRateLimiter(options: RateLimiterOptions = {}): RateLimiter {
  const perSecond = options.perSecond ?? 20;
  const burst = options.burst ?? 1;
  if (!(perSecond > 0) || !Number.isFinite(perSecond))
    throw new RangeError(`rate limit: expected a positive number of requests a second, got ${perSecond}`);
  if (!(burst >= 1)) throw new RangeError(`rate limit: expected a burst of at least 1, got ${burst}`);
  const now = options.now ?? Date.now;
  let tokens = burst;
  let updated = now();

  const refill = () => {
    const time = now();
    tokens = Math.min(burst, tokens + ((time - updated) * perSecond) / 1000);
    updated = time;
  };

  return {
    perSecond,
    async take(signal) {
      signal?.throwIfAborted();
      refill();
      tokens -= 1;
      if (tokens >= 0) return;
      const waitMs = (-tokens * 1000) / perSecond;
      try {
        await sleep(waitMs, signal);
      } catch (error) {
        tokens += 1;
        throw error;
      }
    },
  };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
