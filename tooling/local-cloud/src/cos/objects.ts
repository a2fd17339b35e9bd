import type { IncomingMessage } from "node:http";
import { pipeline } from "node:stream/promises";
import type { CamNeed } from "../cam.ts";
import { parseObjectAcl } from "./acl.ts";
import { accessDenied, cosResource } from "./cam-needs.ts";
import { storedContentType } from "./content-type.ts";
import { checkCopySource, copySourceConditions, etagListMatches, httpDate } from "./copy-conditions.ts";
import { CosError } from "./errors.ts";
import { MAX_KEYS_PER_DELETE, MAX_OBJECT_BYTES } from "./limits.ts";
import { checkObjectKey } from "./object-key.ts";
import { pullFromOrigin } from "./origin.ts";
import { readPostForm } from "./post-object.ts";
import { replicationHeaders } from "./replication.ts";
import {
  bucketName,
  drain,
  emit,
  parseQuery,
  type RequestContext,
  readText,
  versionHeader,
  writtenVersionHeader,
} from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import { checkReadable, restoreHeaders } from "./restore.ts";
import { sendPieces } from "./send-file.ts";
import { type DeleteOutcome, type ObjectAttributes, pickAttributes, type StoredObject } from "./store.ts";
import { checkTags } from "./tagging.ts";
import { limited, paced, trafficLimitOf } from "./traffic-limit.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

const STORAGE_CLASSES = new Set([
  "STANDARD",
  "STANDARD_IA",
  "ARCHIVE",
  "DEEP_ARCHIVE",
  "INTELLIGENT_TIERING",
  "MAZ_STANDARD",
  "MAZ_STANDARD_IA",
  "MAZ_INTELLIGENT_TIERING",
]);
const STORED_HEADERS = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"];

/** PUT Object: `PUT /<key>` with the body. */
export async function putObject(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  const attributes = attributesFrom(req, key);
  const checks = uploadChecks(req);
  const body = limited(req, trafficLimitOf(req, query), options.trafficClock);
  const object = await options.store.put(bucketName(context), key, body, attributes, checks);
  await emit(context, "Put", object);
  sendEmpty(res, 200, {
    ETag: `"${object.etag}"`,
    "x-cos-hash-crc64ecma": object.crc64,
    ...writtenVersionHeader(object),
  });
}

/** POST Object: a browser-form upload to `POST /`, signed in the form rather than in a header. */
export async function postObject(context: RequestContext): Promise<void> {
  const { req, res, options } = context;
  if (!options.store.getBucket(bucketName(context)))
    throw new CosError("NoSuchBucket", "the specified bucket does not exist");
  const upload = await readPostForm(req, bucketName(context), options.credentials());
  checkObjectKey(upload.key, "the form's key");
  const [denied] = context.authorize(
    [{ action: "name/cos:PostObject", resource: cosResource(context.target.region, bucketName(context), upload.key) }],
    upload.secretId,
  );
  if (denied) throw accessDenied(denied);
  const file = limited(upload.file, trafficLimitOf(req, context.query, upload.trafficLimit), options.trafficClock);
  const object = await options.store.put(bucketName(context), upload.key, file, upload.attributes, {
    ...(upload.lengthRange && { sizeRange: upload.lengthRange }),
  });
  // The rest of the form, if any, is read and dropped.
  req.resume();
  await emit({ ...context, key: upload.key }, "Post", object);
  const location = `http://${req.headers.host ?? ""}/${encodeURIComponent(upload.key).replace(/%2F/g, "/")}`;
  const headers = {
    ETag: `"${object.etag}"`,
    Location: location,
    "x-cos-hash-crc64ecma": object.crc64,
    ...writtenVersionHeader(object),
  };
  if (upload.successStatus === 201) {
    sendXml(
      res,
      201,
      [
        "PostResponse",
        [
          ["Location", location],
          ["Bucket", bucketName(context)],
          ["Key", upload.key],
          ["ETag", `"${object.etag}"`],
        ],
      ],
      headers,
    );
  } else sendEmpty(res, upload.successStatus, headers);
}

/** GET Object (with a single range) and HEAD Object, after the conditional headers. */
export async function getObject(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  const withBody = req.method !== "HEAD";
  const versionId = query.get("versionId");
  const trafficLimit = withBody ? trafficLimitOf(req, query) : undefined;
  // A GET of a key that has never existed (no version, no marker) may be pulled from the bucket's origin.
  const pulled =
    withBody && versionId === undefined && options.store.latest(bucketName(context), key) === undefined
      ? await pullFromOrigin(context)
      : undefined;
  const object = pulled ?? findVersion(context, versionId);
  // HEAD answers an archived object's metadata and restore state; GET needs its restored copy.
  if (withBody) checkReadable(object);
  const headers = objectHeaders(object);
  if (checkConditions(req, object) === "not-modified") return sendEmpty(res, 304, headers);
  for (const [param, header] of [
    ["response-content-type", "Content-Type"],
    ["response-content-disposition", "Content-Disposition"],
    ["response-cache-control", "Cache-Control"],
  ] as const) {
    const override = query.get(param);
    if (override !== undefined) headers[header] = override;
  }
  const range = parseRange(req.headers.range, object.size);
  if (range === "unsatisfiable") {
    throw new CosError("InvalidRange", "the requested range is not satisfiable", {
      "Content-Range": `bytes */${object.size}`,
    });
  }
  const status = range ? 206 : 200;
  headers["Content-Length"] = String(range ? range.end - range.start + 1 : object.size);
  if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${object.size}`;
  if (!withBody) return sendEmpty(res, status, headers);
  if (object.size === 0 || (range && range.end < range.start)) return sendEmpty(res, status, headers);
  if (trafficLimit === undefined) {
    const { pieces, release } = options.store.readPieces(bucketName(context), key, range ?? undefined, versionId);
    res.writeHead(status, headers);
    try {
      await sendPieces(pieces, res);
    } finally {
      release();
    }
    return;
  }
  const { stream } = options.store.read(bucketName(context), key, range ?? undefined, versionId);
  res.writeHead(status, headers);
  await pipeline(stream, (source: AsyncIterable<Buffer>) => paced(source, trafficLimit, options.trafficClock), res);
}

/**
 * The version a GET or HEAD reads: the current one, or the one `versionId` names. A key whose latest version
 * is a delete marker, or a version that is one, answers 404 with `x-cos-delete-marker: true` (doc 436/36716:
 * "A GET request on a delete marker will return a 404 error"); an unknown version id answers NoSuchVersion.
 */
function findVersion(context: RequestContext, versionId: string | undefined): StoredObject {
  const { options, key } = context;
  const found =
    versionId === undefined
      ? options.store.latest(bucketName(context), key)
      : options.store.version(bucketName(context), key, versionId);
  if (found?.deleteMarker) {
    throw new CosError("NoSuchKey", "the specified key does not exist", {
      "x-cos-delete-marker": "true",
      ...versionHeader(found),
    });
  }
  if (found) return found;
  throw versionId === undefined
    ? new CosError("NoSuchKey", "the specified key does not exist")
    : new CosError("NoSuchVersion", "the specified version does not exist");
}

/**
 * The conditional headers of a GET or HEAD, in RFC 9110's order: `If-Match` (else `If-Unmodified-Since`)
 * failing is 412 PreconditionFailed; then `If-None-Match` (else `If-Modified-Since`) holding is 304.
 */
function checkConditions(req: IncomingMessage, object: StoredObject): "not-modified" | undefined {
  const modified = Math.floor(Date.parse(object.lastModified) / 1000);
  const ifMatch = req.headers["if-match"];
  const ifUnmodifiedSince = httpDate(req.headers["if-unmodified-since"]);
  if (
    ifMatch !== undefined
      ? !etagListMatches(ifMatch, object.etag)
      : ifUnmodifiedSince !== undefined && modified > ifUnmodifiedSince
  ) {
    throw new CosError("PreconditionFailed", "at least one of the preconditions you specified did not hold");
  }
  const ifNoneMatch = req.headers["if-none-match"];
  const ifModifiedSince = httpDate(req.headers["if-modified-since"]);
  if (
    ifNoneMatch !== undefined
      ? etagListMatches(ifNoneMatch, object.etag)
      : ifModifiedSince !== undefined && modified <= ifModifiedSince
  ) {
    return "not-modified";
  }
  return undefined;
}

/** DELETE Object: `DELETE /<key>`; 204 whether or not the key existed. */
export async function deleteObject(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const outcome = await options.store.delete(bucketName(context), key, query.get("versionId"));
  await emitDelete(context, outcome);
  sendEmpty(res, 204, deleteHeaders(outcome));
}

/**
 * The event of a delete (doc 583/9707): `cos:ObjectRemove:DeleteMarkerCreated` when it created a delete marker
 * (versioning enabled or suspended), `cos:ObjectRemove:Delete` when it removed a version for good (an
 * unversioned bucket, or a delete naming a versionId); nothing when nothing changed.
 */
async function emitDelete(context: RequestContext, outcome: DeleteOutcome): Promise<void> {
  if (outcome.marker) await emit(context, "DeleteMarkerCreated", outcome.marker);
  else if (outcome.removed) await emit(context, "Delete", outcome.removed);
}

/**
 * A delete's answer headers (doc 436/7743): `x-cos-version-id` names the version removed or the marker created;
 * `x-cos-delete-marker: true` when a marker was created or the version removed was one.
 */
function deleteHeaders(outcome: DeleteOutcome): Record<string, string> {
  const subject = outcome.marker ?? outcome.removed;
  return {
    ...versionHeader(subject),
    ...(subject?.deleteMarker && { "x-cos-delete-marker": "true" }),
  };
}

/** PUT Object - Copy: `PUT /<key>` with `x-cos-copy-source` (and `x-cos-metadata-directive`). */
export async function copyObject(context: RequestContext): Promise<void> {
  const { req, res, key, options } = context;
  const source = parseCopySource(String(req.headers["x-cos-copy-source"]));
  const conditions = copySourceConditions(req.headers);
  const directive = String(req.headers["x-cos-metadata-directive"] ?? "Copy");
  if (directive !== "Copy" && directive !== "Replaced") {
    throw new CosError("InvalidArgument", `x-cos-metadata-directive must be Copy or Replaced, got ${directive}`);
  }
  // The source, too, exists only at its own region's endpoint.
  if (options.store.getBucket(source.bucket)?.region !== source.region)
    throw new CosError("NoSuchBucket", "the copy source bucket does not exist");
  if (
    directive === "Copy" &&
    source.bucket === bucketName(context) &&
    source.key === key &&
    source.versionId === undefined
  ) {
    throw new CosError(
      "InvalidRequest",
      "this copy request is illegal because it is trying to copy an object to itself without changing the metadata",
    );
  }
  await drain(req);
  const replaced = attributesFrom(req, key);
  const sourceObject =
    source.versionId === undefined
      ? options.store.head(source.bucket, source.key)
      : options.store.version(source.bucket, source.key, source.versionId);
  if (sourceObject && !sourceObject.deleteMarker) checkCopySource(conditions, sourceObject);
  // The copy's ACL is the request's `x-cos-acl` whatever the directive: an ACL is not metadata.
  const object = await options.store.copy(
    source,
    { bucket: bucketName(context), key },
    directive === "Replaced"
      ? replaced
      : sourceObject && { ...pickAttributes(sourceObject), ...(replaced.acl && { acl: replaced.acl }) },
  );
  await emit(context, "Copy", object);
  sendXml(
    res,
    200,
    [
      "CopyObjectResult",
      [
        ["ETag", `"${object.etag}"`],
        ["CRC64", object.crc64],
        ["LastModified", object.lastModified],
        ...(object.versionId !== undefined ? [["VersionId", object.versionId] as XmlNode] : []),
      ],
    ],
    {
      ...writtenVersionHeader(object),
      ...(sourceObject?.versionId !== undefined && { "x-cos-copy-source-version-id": sourceObject.versionId }),
    },
  );
}

/**
 * DELETE Multiple Objects: `POST /?delete` with a Delete document. Each key also needs `cos:DeleteObject` on
 * itself; a key the signer's policy does not allow is reported as an AccessDenied `<Error>`, as COS does.
 */
export async function deleteMultipleObjects(context: RequestContext): Promise<void> {
  const { req, res, options } = context;
  const body = parseXmlBody(await readText(req));
  const request = body.Delete as { Quiet?: string; Object?: { Key?: string; VersionId?: string }[] } | undefined;
  const objects = request?.Object ?? [];
  if (!request || objects.length === 0) throw new CosError("MalformedXML", "the Delete request lists no objects");
  if (objects.length > MAX_KEYS_PER_DELETE)
    throw new CosError("MalformedXML", `a Delete request may list at most ${MAX_KEYS_PER_DELETE} objects`);
  const quiet = request.Quiet === "true";
  const keys = objects.map((item) => String(item.Key ?? ""));
  const needs = keys.map((key) => ({
    action: "name/cos:DeleteObject",
    resource: cosResource(context.target.region, bucketName(context), key),
  }));
  const denied = new Set(context.authorize(needs));
  const results: XmlNode[] = [];
  for (const [i, key] of keys.entries()) {
    const need = needs[i] as CamNeed;
    if (denied.has(need)) {
      results.push([
        "Error",
        [
          ["Key", key],
          ["Code", "AccessDenied"],
          ["Message", accessDenied(need).message],
        ],
      ]);
      continue;
    }
    const versionId = objects[i]?.VersionId;
    const outcome = await options.store.delete(bucketName(context), key, versionId);
    await emitDelete(context, outcome);
    if (quiet) continue;
    // As DELETE Object answers it, per key (doc 436/8289): the version removed, or the marker created.
    const deleted: XmlNode[] = [["Key", key]];
    if (versionId !== undefined) deleted.push(["VersionId", versionId]);
    if (outcome.marker) {
      deleted.push(["DeleteMarker", true], ["DeleteMarkerVersionId", outcome.marker.versionId as string]);
    } else if (outcome.removed?.deleteMarker) {
      deleted.push(["DeleteMarker", true], ["DeleteMarkerVersionId", versionId as string]);
    }
    results.push(["Deleted", deleted]);
  }
  sendXml(res, 200, ["DeleteResult", results]);
}

/** The attributes an upload's headers set: Content-Type, stored headers, `x-cos-meta-*`, storage class, tags. */
export function attributesFrom(req: IncomingMessage, key: string): ObjectAttributes {
  const headers: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(",") : value;
    if (name.startsWith("x-cos-meta-")) meta[name] = text;
    else if (STORED_HEADERS.includes(name) && text !== "") headers[name] = text;
  }
  const storageClass = String(req.headers["x-cos-storage-class"] ?? "STANDARD").toUpperCase();
  if (!STORAGE_CLASSES.has(storageClass))
    throw new CosError("InvalidArgument", `invalid x-cos-storage-class ${storageClass}`);
  const tagging = req.headers["x-cos-tagging"];
  const tags = typeof tagging === "string" && tagging !== "" ? checkTags(parseQuery(tagging)) : [];
  const acl = req.headers["x-cos-acl"];
  return {
    contentType: storedContentType(req.headers["content-type"], key),
    headers,
    meta,
    storageClass,
    tags,
    ...(acl !== undefined && { acl: parseObjectAcl(String(acl)) }),
  };
}

/** The length and Content-MD5 an upload must match; refuses a body over the size limit or of unknown length. */
export function uploadChecks(req: IncomingMessage): { expectedBytes?: number; contentMd5?: string } {
  const length = req.headers["content-length"];
  const md5 = req.headers["content-md5"];
  if (length !== undefined && Number(length) > MAX_OBJECT_BYTES) {
    throw new CosError(
      "EntityTooLarge",
      `your proposed upload exceeds the maximum allowed size of ${MAX_OBJECT_BYTES} bytes`,
    );
  }
  if (length === undefined && req.headers["transfer-encoding"] === undefined) {
    throw new CosError("MissingContentLength", "you must provide the Content-Length HTTP header");
  }
  return {
    ...(length !== undefined && { expectedBytes: Number(length) }),
    ...(typeof md5 === "string" && { contentMd5: md5 }),
  };
}

function objectHeaders(object: StoredObject): Record<string, string> {
  return {
    "Content-Type": object.contentType,
    ETag: `"${object.etag}"`,
    "Last-Modified": new Date(object.lastModified).toUTCString(),
    "Accept-Ranges": "bytes",
    "x-cos-hash-crc64ecma": object.crc64,
    "x-cos-storage-class": object.storageClass,
    ...(object.tags.length > 0 && { "x-cos-tagging-count": String(object.tags.length) }),
    ...versionHeader(object),
    ...restoreHeaders(object),
    ...replicationHeaders(object),
    ...object.headers,
    ...object.meta,
  };
}

/** A single `bytes=` range, resolved against the size; `undefined` for none (or one COS would ignore). */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return undefined;
  return { start, end };
}

/** `x-cos-copy-source` (`<bucket>.cos.<region>.myqcloud.com/<key>`, key percent-encoded) as its parts. */
export function parseCopySource(source: string): {
  bucket: string;
  region: string;
  key: string;
  versionId?: string;
} {
  const match = /^(?:https?:\/\/)?([a-z0-9][a-z0-9-]*-\d+)\.cos\.([a-z0-9-]+)\.myqcloud\.com\/(.+)$/.exec(source);
  if (!match)
    throw new CosError(
      "InvalidArgument",
      `x-cos-copy-source ${JSON.stringify(source)} is not <bucket>.cos.<region>.myqcloud.com/<key>`,
    );
  const versionAt = (match[3] as string).indexOf("?versionId=");
  const rawKey = versionAt < 0 ? (match[3] as string) : (match[3] as string).slice(0, versionAt);
  const versionId = versionAt < 0 ? undefined : (match[3] as string).slice(versionAt + "?versionId=".length);
  let parsed: { bucket: string; region: string; key: string; versionId?: string };
  try {
    parsed = {
      bucket: match[1] as string,
      region: match[2] as string,
      key: decodeURIComponent(rawKey),
      ...(versionId !== undefined && { versionId: decodeURIComponent(versionId) }),
    };
  } catch {
    throw new CosError("InvalidArgument", "x-cos-copy-source is not valid percent-encoding");
  }
  checkObjectKey(parsed.key, "x-cos-copy-source's key");
  return parsed;
}
