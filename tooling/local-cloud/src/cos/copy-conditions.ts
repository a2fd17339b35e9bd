import type { IncomingHttpHeaders } from "node:http";
import { CosError } from "./errors.ts";
import type { StoredObject } from "./store.ts";

/**
 * The source conditions of PUT Object - Copy (doc 436/10881) and Upload Part - Copy (doc 436/8287), as COS
 * documents them: `x-cos-copy-source-If-Match` (copy when the source's ETag is the one given, else 412),
 * `-If-None-Match` (when it is not, else 412), `-If-Modified-Since` (when the source was modified after the time,
 * else 412) and `-If-Unmodified-Since` (when it was not, else 412). If-Match goes with If-Unmodified-Since and
 * If-None-Match with If-Modified-Since; "used with any other condition, a conflict is returned".
 */
export interface CopySourceConditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  ifUnmodifiedSince?: string;
}

const HEADERS = {
  ifMatch: "x-cos-copy-source-if-match",
  ifNoneMatch: "x-cos-copy-source-if-none-match",
  ifModifiedSince: "x-cos-copy-source-if-modified-since",
  ifUnmodifiedSince: "x-cos-copy-source-if-unmodified-since",
} as const;

/**
 * Reads the conditions of a copy, refusing a combination COS does not allow (a condition of one pair with one of
 * the other) with 400 InvalidArgument: COS documents a conflict, not its code or status, so both are *chosen*.
 */
export function copySourceConditions(headers: IncomingHttpHeaders): CopySourceConditions {
  const conditions: CopySourceConditions = {};
  for (const [name, header] of Object.entries(HEADERS) as [keyof CopySourceConditions, string][]) {
    const value = headers[header];
    if (typeof value === "string") conditions[name] = value;
  }
  const matchPair = conditions.ifMatch !== undefined || conditions.ifUnmodifiedSince !== undefined;
  const noneMatchPair = conditions.ifNoneMatch !== undefined || conditions.ifModifiedSince !== undefined;
  if (matchPair && noneMatchPair) {
    throw new CosError(
      "InvalidArgument",
      "x-cos-copy-source-If-Match / -If-Unmodified-Since conflict with x-cos-copy-source-If-None-Match / -If-Modified-Since",
    );
  }
  return conditions;
}

/**
 * Checks the conditions against the source (the version copied), failing with 412 PreconditionFailed. Within a
 * pair the ETag decides when given, the date otherwise (S3's rule for these headers, and RFC 9110's order): with
 * If-Match holding, an If-Unmodified-Since that does not hold is ignored; with If-None-Match failing, the copy
 * fails whatever If-Modified-Since says. A date that is not an HTTP date is ignored.
 */
export function checkCopySource(conditions: CopySourceConditions, source: StoredObject): void {
  const modified = Math.floor(Date.parse(source.lastModified) / 1000);
  const unmodifiedSince = httpDate(conditions.ifUnmodifiedSince);
  const modifiedSince = httpDate(conditions.ifModifiedSince);
  const fails =
    conditions.ifMatch !== undefined
      ? !etagListMatches(conditions.ifMatch, source.etag)
      : conditions.ifNoneMatch !== undefined
        ? etagListMatches(conditions.ifNoneMatch, source.etag)
        : (unmodifiedSince !== undefined && modified > unmodifiedSince) ||
          (modifiedSince !== undefined && modified <= modifiedSince);
  if (fails) {
    throw new CosError(
      "PreconditionFailed",
      "at least one of the copy source preconditions you specified did not hold",
    );
  }
}

/** Whether an `If-Match` / `If-None-Match` value (`*`, or a comma-separated list of quoted, maybe weak, ETags) names the ETag. */
export function etagListMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((item) => item.trim().replace(/^W\//, "").replace(/"/g, "") === etag);
}

/** An HTTP date in seconds since the epoch; `undefined` when absent or not a date (then the header is ignored). */
export function httpDate(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const ms = Date.parse(header);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
