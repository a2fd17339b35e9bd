import type { ScfContext } from "@cosfn/events";
import { DeadlineError } from "./errors.ts";

/** The time an invocation has: a signal before SCF's limit, and a later moment when running work is abandoned. */
export interface Deadline {
  /** Epoch milliseconds at which `signal` aborts. */
  at: number;
  /** Aborts at `at` with a DeadlineError. */
  signal: AbortSignal;
  /** Resolves half a margin after `at`: work still running then is abandoned, failed as retryable. */
  abandoned: Promise<void>;
  /** Whether the abandon moment has passed. */
  passed(): boolean;
  /** Clears the timers and aborts the signal (work of this invocation that is left must stop). */
  end(): void;
}

/**
 * Starts the deadline of an invocation that began at `started`: the signal fires a margin before
 * `context.time_limit_in_ms` (by default 10% of it, between 1 s and 15 s), and work gets half the margin after
 * it to stop cleanly before it is abandoned, so the invocation returns or throws before SCF kills it.
 */
export function startDeadline(started: number, context: ScfContext | undefined, marginMs?: number): Deadline {
  const limit = context?.time_limit_in_ms ?? 3000;
  const margin = marginMs ?? Math.min(15_000, Math.max(1000, limit * 0.1));
  const at = started + Math.max(0, limit - margin);
  const abandonAt = started + Math.max(0, limit - margin / 2);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError()), Math.max(0, at - Date.now()));
  timer.unref?.();
  let abandon: NodeJS.Timeout | undefined;
  const abandoned = new Promise<void>((resolve) => {
    abandon = setTimeout(resolve, Math.max(0, abandonAt - Date.now()));
    abandon.unref?.();
  });
  return {
    at,
    signal: controller.signal,
    abandoned,
    passed: () => Date.now() >= abandonAt,
    end() {
      clearTimeout(timer);
      clearTimeout(abandon);
      controller.abort(new DeadlineError());
    },
  };
}
