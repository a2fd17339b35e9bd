import { randomUUID } from "node:crypto";
import type { ScfContext } from "@cosfn/events";

export type { ScfContext };

export type ScfContextOverrides = Partial<Omit<ScfContext, "environment">> & {
  environment?: string | Record<string, string>;
};

/**
 * An SCF-like context with SCF's field names and realistic defaults (a fresh request id, 128 MB, 3 s,
 * ap-guangzhou). Override any field; `environment` may be given as an object.
 */
export function scfContext(overrides: ScfContextOverrides = {}): ScfContext {
  const { environment, ...rest } = overrides;
  return {
    request_id: randomUUID(),
    function_name: "cosfn-function",
    function_version: "$LATEST",
    namespace: "default",
    memory_limit_in_mb: 128,
    time_limit_in_ms: 3000,
    tencentcloud_region: "ap-guangzhou",
    tencentcloud_appid: "1250000000",
    tencentcloud_uin: "100000000001",
    callbackWaitsForEmptyEventLoop: true,
    ...rest,
    environment: typeof environment === "string" ? environment : JSON.stringify(environment ?? {}),
  };
}
