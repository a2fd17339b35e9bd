import { cosEvent } from "@cosfn/events";
import type { HandlerSummary, ScfContext } from "@cosfn/runtime";
import { EXAMPLE_BUCKET, scfContext } from "@cosfn/testing";
import { vi } from "vitest";

export type MainHandler = (event: unknown, context: ScfContext) => Promise<HandlerSummary>;

/**
 * A fresh cdn-purge handler for these settings: the module is loaded anew, so its warm instance (config, provider,
 * batcher) is built from this environment at its first invocation. The variables of an earlier call are unset.
 */
export async function freshHandler(env: Record<string, string>): Promise<MainHandler> {
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const module = await import("../src/index.ts");
  return module.main_handler;
}

/** One COS event with a record for each key (COS merges records into one event). */
export function changeEvent(keys: readonly string[], eventName = "cos:ObjectCreated:Put"): unknown {
  return cosEvent(keys.map((key) => ({ eventName, bucket: EXAMPLE_BUCKET, region: "ap-guangzhou", key, size: 1 })));
}

/** Runs the handler, returning its summary whether it returned or threw an InvocationFailedError. */
export async function invoke(
  main: MainHandler,
  event: unknown,
  context: Partial<ScfContext> = {},
): Promise<HandlerSummary> {
  try {
    return await main(event, scfContext({ time_limit_in_ms: 60_000, ...context }));
  } catch (error) {
    const summary = (error as { summary?: HandlerSummary }).summary;
    if (!summary) throw error;
    return summary;
  }
}
