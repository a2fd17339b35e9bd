import { isTransient } from "@cosfn/errors";

export interface RetryOptions {
  /** Attempts in all, the first included. Default 4. */
  attempts?: number | undefined;
  /** Stops between attempts when aborted. */
  signal?: AbortSignal | undefined;
  /** First backoff; doubled after each attempt, with jitter. Default 100 ms. */
  baseDelayMs?: number;
}

/**
 * The one retry decision of @cosfn/cos, for a loop that just saw attempt `attempt` fail with `error`: rethrows it
 * unless it is transient (`isTransient`: resets, 5xx, throttling, truncated bodies) and attempts remain; else
 * waits the backoff (100 ms, 200 ms, 400 ms... each between half and all of that) and returns.
 */
export async function backOff(error: unknown, attempt: number, options: RetryOptions = {}): Promise<void> {
  if (!isTransient(error) || attempt >= Math.max(1, options.attempts ?? 4)) throw error;
  const ceiling = (options.baseDelayMs ?? 100) * 2 ** (attempt - 1);
  await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
  options.signal?.throwIfAborted();
}

/** Runs `run` again while it fails with a transient error, backing off between attempts (see `backOff`). */
export async function withRetries<T>(run: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await run();
    } catch (error) {
      await backOff(error, attempt, options);
    }
  }
}
