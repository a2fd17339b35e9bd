import type { ScfContext } from "@cosfn/events";
import { loadEvent, scfContext } from "@cosfn/testing";

/** The SCF context of these tests: @cosfn/testing's, with a fixed request id and a 30 s limit unless overridden. */
export function context(overrides: Partial<ScfContext> = {}): ScfContext {
  return scfContext({ request_id: "req-123", time_limit_in_ms: 30_000, ...overrides });
}

/** A fixture event from @cosfn/testing, typed loosely so that a test can change one field of it. */
export function rawEvent(folder = "object-created-put", variant = "basic"): any {
  return loadEvent(folder, variant);
}
