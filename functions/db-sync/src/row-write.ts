import type { ChangeReason, ObjectRow, Observation, RowWrite } from "./stores/types.ts";

type Present = Extract<Observation, { exists: true }>;

function sameMetadata(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((name) => b[name] === a[name]);
}

/**
 * Whether a current row already holds exactly this observation (the fields an object change can alter, and the
 * content type: a row reconcile wrote from a listing has none yet, and the next HEAD fills it in).
 */
export function rowMatches(row: ObjectRow, seen: Present): boolean {
  return (
    row.isCurrent &&
    row.etag === seen.etag &&
    row.size === seen.size &&
    (row.versionId ?? null) === (seen.versionId ?? null) &&
    row.storageClass === seen.storageClass &&
    (row.crc64 ?? null) === (seen.crc64 ?? null) &&
    (row.contentType ?? null) === (seen.contentType ?? null) &&
    sameMetadata(row.userMetadata, seen.userMetadata)
  );
}

/** Why an existing object is written, given the row before and the event that led to the HEAD. */
function presentReason(current: ObjectRow | null, eventName: string | undefined): ChangeReason {
  if (eventName?.startsWith("cos:ObjectRestore:")) return "restored";
  if (eventName === "cos:ObjectCreated:Copy") return "copied";
  return !current?.isCurrent ? "created" : "overwritten";
}

/**
 * What to write for one key, from the row as it is and the state just observed, or `undefined` when the row
 * already says it:
 * - the object exists: an upsert, unless the current row matches it (same ETag, size, version id, storage class,
 *   CRC-64, content type and metadata); a restore event on a matching row still records `restored`;
 * - the object is gone: a tombstone over a current row (`delete-marker` when the event or COS says one was
 *   created, else `deleted`); nothing when there is no row or it is already a tombstone.
 * `eventName` is the record's (a hint for the reason); reconcile passes none and writes `reconciled`.
 */
export function decideWrite(
  current: ObjectRow | null,
  seen: Observation,
  observedAt: Date,
  eventName?: string,
): RowWrite | undefined {
  if (seen.exists) {
    if (current && rowMatches(current, seen)) {
      const restored = eventName?.startsWith("cos:ObjectRestore:") && current.reason !== "restored";
      if (!restored) return undefined;
    }
    const reason = eventName === undefined ? "reconciled" : presentReason(current, eventName);
    return { kind: "upsert", observation: seen, observedAt, reason };
  }
  if (!current?.isCurrent) return undefined;
  const reason: ChangeReason = eventName === undefined ? "reconciled" : seen.deleteMarker ? "delete-marker" : "deleted";
  return { kind: "delete", bucket: seen.bucket, key: seen.key, observedAt, reason };
}
