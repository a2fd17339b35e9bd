import { isTransient } from "@cosfn/errors";

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  attempts?: number;
  /** The first backoff in milliseconds, doubled each time, with full jitter. Default 25. */
  baseDelayMs?: number;
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not transient, or the attempts are spent (then the
 * last error is thrown). Each attempt must be a whole transaction: a transient failure left nothing behind.
 */
export async function retryTransient<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const base = options.baseDelayMs ?? 25;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= attempts || !isTransient(error)) throw error;
      const delay = Math.random() * base * 2 ** (n - 1);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** An error thrown by the caller's `work`: carried through the transaction untouched and never retried. */
export class WorkFailure {
  constructor(readonly error: unknown) {}
}
