import type { ServerResponse } from "node:http";
import { type ObjectStore, type StoredObject, versionIdOf } from "../cos/store.ts";
import { intParam, sendError, sendJson } from "./respond.ts";

/** At most this many keys in one page of `/objects` (COS's own MaxKeys limit). */
const MAX_PAGE = 1_000;
/** At most this many matches returned by `/search`. */
const MAX_MATCHES = 1_000;

/** `GET /api/buckets`: every bucket with its region, creation time, versioning and ACL. */
export function listBuckets(res: ServerResponse, store: ObjectStore): void {
  const buckets = store.listBuckets().map((bucket) => ({
    name: bucket.name,
    region: bucket.region,
    createdAt: bucket.createdAt,
    versioning: bucket.versioning ?? "",
    acl: bucket.acl ?? "private",
  }));
  sendJson(res, 200, { buckets });
}

function summary(object: StoredObject) {
  return {
    key: object.key,
    size: object.size,
    etag: object.etag,
    lastModified: object.lastModified,
    storageClass: object.storageClass,
  };
}

/** Whether the bucket exists; answers 404 NoSuchBucket when it does not. */
export function bucketExists(res: ServerResponse, store: ObjectStore, bucket: string): boolean {
  if (store.getBucket(bucket)) return true;
  sendError(res, 404, "NoSuchBucket", `the local cloud has no bucket ${JSON.stringify(bucket)}`);
  return false;
}

/** `GET /api/buckets/:bucket/objects?prefix&delimiter&marker&maxKeys`: one page of a listing, as GET Bucket. */
export function listObjects(res: ServerResponse, store: ObjectStore, bucket: string, query: URLSearchParams): void {
  const result = store.list(bucket, {
    prefix: query.get("prefix") ?? "",
    delimiter: query.get("delimiter") ?? "",
    marker: query.get("marker") ?? "",
    maxKeys: intParam(query, "maxKeys", MAX_PAGE, MAX_PAGE),
  });
  sendJson(res, 200, {
    bucket,
    prefix: query.get("prefix") ?? "",
    delimiter: query.get("delimiter") ?? "",
    objects: result.objects.map(summary),
    commonPrefixes: result.commonPrefixes,
    isTruncated: result.isTruncated,
    nextMarker: result.nextMarker ?? null,
  });
}

/** Every version and delete marker of exactly `key`, newest first. */
function versionsOf(store: ObjectStore, bucket: string, key: string) {
  const found: {
    versionId: string;
    isLatest: boolean;
    deleteMarker: boolean;
    size: number;
    lastModified: string;
    etag: string;
  }[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  for (;;) {
    const page = store.listVersions(bucket, {
      prefix: key,
      maxKeys: MAX_PAGE,
      ...(keyMarker !== undefined && { keyMarker }),
      ...(versionIdMarker !== undefined && { versionIdMarker }),
    });
    // `key` sorts first among the keys it prefixes: the first other key ends its versions.
    for (const { object, isLatest } of page.versions) {
      if (object.key !== key) return found;
      found.push({
        versionId: versionIdOf(object),
        isLatest,
        deleteMarker: object.deleteMarker === true,
        size: object.size,
        lastModified: object.lastModified,
        etag: object.etag,
      });
    }
    if (!page.isTruncated) return found;
    keyMarker = page.nextKeyMarker;
    versionIdMarker = page.nextVersionIdMarker;
  }
}

/** Where a restore stands at `now`: none, ongoing (not readable yet), ready, or expired. */
function restoreState(object: StoredObject, now: number) {
  if (!object.restore) return null;
  const ready = Date.parse(object.restore.readyAt);
  const expires = Date.parse(object.restore.expiresAt);
  const state = now < ready ? "ongoing" : now < expires ? "ready" : "expired";
  return { ...object.restore, state };
}

/**
 * `GET /api/buckets/:bucket/object?key=...[&versionId=...]`: one object's metadata (headers, `x-cos-meta-*`,
 * tags, storage class, CRC-64, ACL, restore and replication state) and every version of its key.
 */
export function objectMetadata(
  res: ServerResponse,
  store: ObjectStore,
  bucket: string,
  query: URLSearchParams,
  now: number,
): void {
  const key = query.get("key");
  if (key === null || key === "") {
    sendError(res, 400, "MissingKey", "the query parameter key (the object's key) is required");
    return;
  }
  const versionId = query.get("versionId");
  const object = versionId ? store.version(bucket, key, versionId) : store.head(bucket, key);
  const versions = versionsOf(store, bucket, key);
  if (!object || object.deleteMarker) {
    sendJson(res, 404, {
      error: {
        code: "NoSuchKey",
        message: `bucket ${bucket} has no ${versionId ? `version ${versionId} of ` : "current version of "}key ${JSON.stringify(key)}`,
      },
      versions,
    });
    return;
  }
  sendJson(res, 200, {
    bucket,
    key: object.key,
    size: object.size,
    etag: object.etag,
    crc64: object.crc64,
    lastModified: object.lastModified,
    contentType: object.contentType,
    headers: object.headers,
    meta: object.meta,
    tags: Object.fromEntries(object.tags),
    storageClass: object.storageClass,
    acl: object.acl ?? "default",
    versionId: object.versionId ?? null,
    restore: restoreState(object, now),
    replicationStatus: object.replicationStatus ?? null,
    versions,
  });
}

/**
 * `GET /api/buckets/:bucket/search?q=...&limit=...`: every current key of the bucket that contains `q`
 * (case-insensitive), in listing order, at most `limit` (default and maximum 1,000) of them.
 */
export function searchKeys(res: ServerResponse, store: ObjectStore, bucket: string, query: URLSearchParams): void {
  const needle = (query.get("q") ?? "").toLowerCase();
  if (needle === "") {
    sendError(res, 400, "MissingQuery", "the query parameter q (the text to find in keys) is required");
    return;
  }
  const limit = intParam(query, "limit", MAX_MATCHES, MAX_MATCHES);
  const matches: ReturnType<typeof summary>[] = [];
  let scanned = 0;
  let marker: string | undefined;
  for (;;) {
    const page = store.list(bucket, { maxKeys: MAX_PAGE, ...(marker !== undefined && { marker }) });
    for (const object of page.objects) {
      scanned++;
      if (!object.key.toLowerCase().includes(needle)) continue;
      if (matches.length === limit) {
        sendJson(res, 200, { bucket, q: query.get("q"), matches, truncated: true, scanned });
        return;
      }
      matches.push(summary(object));
    }
    if (!page.isTruncated) break;
    marker = page.nextMarker;
  }
  sendJson(res, 200, { bucket, q: query.get("q"), matches, truncated: false, scanned });
}
