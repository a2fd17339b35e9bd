import type { CosClient, ListedObject } from "@cosfn/cos";
import type { Observation } from "./stores/types.ts";

export type PresentObservation = Extract<Observation, { exists: true }>;

/**
 * The object's current state, read from COS with a HEAD: it exists (size, ETag, CRC-64, Last-Modified, storage
 * class, version id, user metadata), or it is gone. COS reads are strongly consistent after writes, so a HEAD
 * sees every change that finished before it was sent.
 *
 * `deleteMarker`: a delete marker stands at the key (the HEAD's 404 says `x-cos-delete-marker: true`), or the record
 * says one was created (`cos:ObjectRemove:DeleteMarkerCreated`).
 */
export async function observe(
  cos: CosClient,
  bucket: string,
  key: string,
  hint: { deleteMarker?: boolean } = {},
): Promise<Observation> {
  const state = await cos.state(bucket, key);
  if (!state.exists)
    return { exists: false, bucket, key, deleteMarker: state.deleteMarker || hint.deleteMarker === true };
  const { info } = state;
  return {
    exists: true,
    bucket,
    key,
    size: info.size,
    etag: info.etag,
    crc64: info.crc64,
    contentType: info.contentType,
    lastModified: info.lastModified,
    storageClass: info.storageClass || "STANDARD",
    versionId: info.versionId,
    userMetadata: info.metadata,
  };
}

/**
 * What a listing's entry (or an inventory report's line) tells about an object: ETag, size, Last-Modified, storage
 * class, and CRC-64 when an inventory has it. The fields a listing lacks (content type, version id, metadata) are
 * taken from `known` when it is the same object (same ETag and size), else left empty (the content type null:
 * "details not yet observed") until a HEAD (an event's, or a later reconcile pass's) fills them.
 */
export function observationFromListing(
  bucket: string,
  entry: ListedObject & { crc64?: string | null },
  known: Pick<PresentObservation, "etag" | "size" | "crc64" | "contentType" | "versionId" | "userMetadata"> | null,
): PresentObservation {
  const same = known !== null && known.etag === entry.etag && known.size === entry.size;
  return {
    exists: true,
    bucket,
    key: entry.key,
    size: entry.size,
    etag: entry.etag,
    crc64: same ? known.crc64 : (entry.crc64 ?? null),
    contentType: same ? known.contentType : null,
    // An inventory without a LastModifiedDate column gives none.
    lastModified: Number.isNaN(entry.lastModified.getTime()) ? null : entry.lastModified,
    storageClass: entry.storageClass || "STANDARD",
    versionId: same ? known.versionId : null,
    userMetadata: same ? known.userMetadata : {},
  };
}
