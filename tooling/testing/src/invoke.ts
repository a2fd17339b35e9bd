import { cosEvent, type ScfContext } from "@cosfn/events";
import { scfContext } from "@cosfn/local-cloud";
import { EXAMPLE_BUCKET } from "./cloud.ts";

/** What a handler on `@cosfn/runtime` returns (and carries on the InvocationFailedError it throws). */
export interface InvocationSummary {
  function: string;
  processed: number;
  skipped: number;
  failed: number;
  records: {
    bucket: string | null;
    key: string | null;
    eventName: string | null;
    outcome: "done" | "skipped" | "failed";
    reason?: string;
    error?: { code: string; message: string; retryable: boolean };
    detail?: Record<string, unknown>;
    durationMs: number;
  }[];
}

/**
 * Runs a `main_handler` once with an SCF-like context (60 s unless overridden) and returns its summary, whether it
 * returned it or threw it on an InvocationFailedError (a retryable failure, or FAIL_ON_PERMANENT); anything else it
 * throws is thrown.
 */
export async function invokeHandler(
  main: (event: unknown, context: ScfContext) => Promise<unknown>,
  event: unknown,
  context: Partial<ScfContext> = {},
): Promise<InvocationSummary> {
  try {
    return (await main(event, scfContext({ time_limit_in_ms: 60_000, ...context }))) as InvocationSummary;
  } catch (error) {
    const summary = (error as { summary?: InvocationSummary }).summary;
    if (!summary) throw error;
    return summary;
  }
}

/** One COS event with a record for each key (COS merges records into one event), in the example bucket by default. */
export function objectEvent(
  keys: readonly string[],
  eventName = "cos:ObjectCreated:Put",
  options: { bucket?: string; region?: string; size?: number } = {},
): unknown {
  const { bucket = EXAMPLE_BUCKET, region = "ap-guangzhou", size = 1 } = options;
  return cosEvent(keys.map((key) => ({ eventName, bucket, region, key, size })));
}
