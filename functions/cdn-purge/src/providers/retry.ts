import { isTransient } from "@cosfn/errors";
import { type ApiWhere, type CdnApiError, toApiError } from "./errors.ts";
import { type RateLimiter, sleep } from "./rate-limit.ts";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseMs: number;
  capMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 200, capMs: 5000 };

/** The retry policy from a provider's options. */
export function retryPolicy(options: {
  attempts?: number | undefined;
  backoff?: { baseMs?: number; capMs?: number } | undefined;
}): RetryPolicy {
  const attempts = options.attempts ?? DEFAULT_RETRY.attempts;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`attempts: expected an integer of at least 1, got ${attempts}`);
  return {
    attempts,
    baseMs: options.backoff?.baseMs ?? DEFAULT_RETRY.baseMs,
    capMs: options.backoff?.capMs ?? DEFAULT_RETRY.capMs,
  };
}

/** Full jitter: a random wait between 0 and the exponential ceiling of this try. */
export function backoffMs(policy: RetryPolicy, failedTries: number, random: () => number = Math.random): number {
  return random() * Math.min(policy.capMs, policy.baseMs * 2 ** (failedTries - 1));
}

/**
 * Sends one API call: each try waits for the rate limiter, a transient failure (throttling, internal errors,
 * the network) is tried again after a backoff with full jitter, up to `policy.attempts` tries. Resolves with the
 * answer; rejects with the last failure as a `CdnApiError`, or with the signal's reason once it aborts.
 * `onTry` counts the requests sent.
 */
export async function callWithRetry<T>(
  send: (signal: AbortSignal | undefined) => Promise<T>,
  context: {
    limiter: RateLimiter;
    policy: RetryPolicy;
    where: ApiWhere;
    signal?: AbortSignal | undefined;
    onTry?: () => void;
  },
): Promise<T> {
  const { signal } = context;
  for (let tries = 1; ; tries++) {
    await context.limiter.take(signal);
    context.onTry?.();
    let failure: CdnApiError;
    try {
      return await send(signal);
    } catch (error) {
      signal?.throwIfAborted();
      failure = toApiError(error, context.where);
    }
    if (!isTransient(failure) || tries >= context.policy.attempts) throw failure;
    await sleep(backoffMs(context.policy, tries), signal);
  }
}

/**
 * A value read from the API once and kept (the quotas, for a warm instance): concurrent readers share one
 * request, `fresh` reads again, and a failed read is not kept.
 */
export function cachedRead<T>(
  read: (signal: AbortSignal | undefined) => Promise<T>,
): (fresh: boolean, signal: AbortSignal | undefined) => Promise<T> {
  let cached: Promise<T> | undefined;
  return (fresh, signal) => {
    if (!cached || fresh) {
      const reading = read(signal);
      cached = reading;
      reading.catch(() => {
        if (cached === reading) cached = undefined;
      });
    }
    return cached;
  };
}
