import { readFileSync } from "node:fs";
import { type CamNeed, type CamPolicy, camDenied, policyGrantUnused, type RequestLogEntry } from "@cosfn/local-cloud";

/** How a CAM policy compares with what a function really did. Both lists empty: least privilege, proven. */
export interface CamCoverage {
  /** Needs of the requests that the policy does not allow (each once): the function would get AccessDenied. */
  missing: CamNeed[];
  /** (action, resource) patterns the policy allows that no request needed: privilege to remove. */
  unused: { statement: number; action: string; resource: string }[];
}

/**
 * Checks a function's `cam-policy.json` (a path, or the policy) against the CAM needs the local cloud recorded for
 * its requests, in both directions. Pass the requests the function made: `cloud.requests.entries`, filtered by
 * `secretId` when the test itself also sent requests with other credentials.
 */
export function camCoverage(
  policy: CamPolicy | string,
  requests: readonly RequestLogEntry[],
  options: { secretId?: string } = {},
): CamCoverage {
  const document: CamPolicy = typeof policy === "string" ? JSON.parse(readFileSync(policy, "utf8")) : policy;
  const needs = new Map<string, CamNeed>();
  for (const entry of requests) {
    if (options.secretId !== undefined && entry.secretId !== options.secretId) continue;
    for (const need of entry.needs) needs.set(JSON.stringify([need.action, need.resource, need.context ?? {}]), need);
  }
  const used = [...needs.values()];
  return {
    missing: camDenied(document, used),
    unused: policyGrantUnused(document, used).map(({ statement, action, resource }) => ({
      statement,
      action,
      resource,
    })),
  };
}
