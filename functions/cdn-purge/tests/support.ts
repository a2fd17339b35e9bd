import type { HandlerSummary, ScfContext } from "@cosfn/runtime";
import { vi } from "vitest";

export type MainHandler = (event: unknown, context: ScfContext) => Promise<HandlerSummary>;

/**
 * A fresh cdn-purge handler for these settings: the module is loaded anew, so its warm instance (config, provider,
 * batcher) is built from this environment at its first invocation. The variables of an earlier call are unset.
 */
export async function loadCdnPurge(env: Record<string, string>): Promise<MainHandler> {
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const module = await import("../src/index.ts");
  return module.main_handler;
}
