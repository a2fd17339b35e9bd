import type { ServerResponse } from "node:http";
import type { CloudApi } from "../cloud-api/api.ts";
import type { RequestLog, RequestLogEntry } from "../request-log.ts";
import { intParam, sendJson } from "./respond.ts";

/** At most this many entries in one answer. */
const MAX_ENTRIES = 10_000;

/**
 * `GET /api/requests?service&bucket&limit`: the local cloud's request log (`cloud.requests`), newest first:
 * method, bucket, key, status, signer, duration, CAM needs, error code.
 */
export function listRequests(res: ServerResponse, log: RequestLog, query: URLSearchParams): void {
  const service = query.get("service");
  const bucket = query.get("bucket");
  const limit = intParam(query, "limit", 1_000, MAX_ENTRIES);
  const requests: RequestLogEntry[] = [];
  for (let i = log.entries.length - 1; i >= 0 && requests.length < limit; i--) {
    const entry = log.entries[i] as RequestLogEntry;
    if (service && entry.service !== service) continue;
    if (bucket && entry.bucket !== bucket) continue;
    requests.push(entry);
  }
  sendJson(res, 200, { requests });
}

/** `GET /api/cloud-api/calls?service&action`: the recorded Cloud API 3.0 calls (purges, prefetches...), newest first. */
export function listCloudApiCalls(res: ServerResponse, api: CloudApi, query: URLSearchParams): void {
  const service = query.get("service");
  const action = query.get("action");
  const calls = api.calls
    .filter((call) => (!service || call.service === service) && (!action || call.action === action))
    .reverse()
    .map((call) => ({ ...call, at: call.at.toISOString() }));
  sendJson(res, 200, { calls });
}
