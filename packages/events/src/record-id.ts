import { createHash } from "node:crypto";
import type { CosRecord } from "./parse.ts";

/**
 * A stable de-duplication key for a record: the same change delivered twice (SCF retries, at-least-once
 * delivery) gives the same id; another change to the same key gives another. Built from the bucket, the key,
 * the version (or the ETag on unversioned buckets), the event name and the event time; never from `reqid`,
 * which is 0 in real events. 32 hex characters.
 */
export function recordId(
  record: Pick<CosRecord, "bucket" | "key" | "versionId" | "etag" | "eventName" | "eventTime">,
): string {
  const parts = [
    record.bucket,
    record.key,
    record.versionId ?? "",
    record.etag ?? "",
    record.eventName,
    record.eventTime.toISOString(),
  ];
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 32);
}
