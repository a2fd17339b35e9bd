import { checkCopySource, copySourceConditions } from "./copy-conditions.ts";
import { CosError } from "./errors.ts";
import { MAX_PARTS_PER_LIST, MAX_UPLOADS_PER_LIST } from "./limits.ts";
import { attributesFrom, parseCopySource, uploadChecks } from "./objects.ts";
import { bucketName, drain, emit, type RequestContext, readText, writtenVersionHeader } from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import { limited, trafficLimitOf } from "./traffic-limit.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

/** Initiate Multipart Upload: `POST /<key>?uploads`. */
export async function initiateMultipartUpload(context: RequestContext): Promise<void> {
  const { req, res, key, options } = context;
  await drain(req);
  const upload = await options.store.initiateUpload(bucketName(context), key, attributesFrom(req, key));
  sendXml(res, 200, [
    "InitiateMultipartUploadResult",
    [
      ["Bucket", bucketName(context)],
      ["Key", key],
      ["UploadId", upload.uploadId],
    ],
  ]);
}

/** Upload Part: `PUT /<key>?partNumber=N&uploadId=ID`. */
export async function uploadPart(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  const checks = uploadChecks(req);
  const body = limited(req, trafficLimitOf(req, query), options.trafficClock);
  const part = await options.store.putPart(upload, Number(query.get("partNumber")), body, checks);
  sendEmpty(res, 200, { ETag: `"${part.etag}"` });
}

/**
 * Upload Part - Copy (doc 436/8287): `PUT /<key>?partNumber=N&uploadId=ID` with `x-cos-copy-source` (and
 * `?versionId=` in it) and optionally `x-cos-copy-source-range: bytes=first-last`. The part is stored as if
 * its bytes had been uploaded (its ETag their MD5).
 */
export async function uploadPartCopy(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  const source = parseCopySource(String(req.headers["x-cos-copy-source"]));
  const conditions = copySourceConditions(req.headers);
  // The source, too, exists only at its own region's endpoint.
  if (options.store.getBucket(source.bucket)?.region !== source.region)
    throw new CosError("NoSuchBucket", "the copy source bucket does not exist");
  await drain(req);
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  const sourceObject =
    source.versionId === undefined
      ? options.store.head(source.bucket, source.key)
      : options.store.version(source.bucket, source.key, source.versionId);
  if (!sourceObject || sourceObject.deleteMarker) {
    throw source.versionId === undefined
      ? new CosError("NoSuchKey", "the specified key does not exist")
      : new CosError("NoSuchVersion", "the specified version does not exist");
  }
  checkCopySource(conditions, sourceObject);
  const range = parseCopySourceRange(req.headers["x-cos-copy-source-range"], sourceObject.size);
  const { stream } = options.store.read(source.bucket, source.key, range, source.versionId);
  let part: Awaited<ReturnType<typeof options.store.putPart>>;
  try {
    part = await options.store.putPart(upload, Number(query.get("partNumber")), stream);
  } finally {
    stream.destroy();
  }
  sendXml(
    res,
    200,
    [
      "CopyPartResult",
      [
        ["ETag", `"${part.etag}"`],
        ["LastModified", part.lastModified],
      ],
    ],
    sourceObject.versionId !== undefined ? { "x-cos-copy-source-version-id": sourceObject.versionId } : {},
  );
}

/**
 * `x-cos-copy-source-range: bytes=first-last` (inclusive, 0-based) of a source of `size` bytes; absent: the whole
 * source. A malformed range, or one not inside the source, is `InvalidArgument`.
 */
export function parseCopySourceRange(
  header: string | string[] | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d+)-(\d+)$/.exec(String(header).trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (!match || start > end || end >= size) {
    throw new CosError(
      "InvalidArgument",
      `x-cos-copy-source-range ${JSON.stringify(String(header))} is not bytes=first-last within the source's ${size} bytes`,
    );
  }
  return { start, end };
}

/** Complete Multipart Upload: `POST /<key>?uploadId=ID` with the parts' numbers and ETags. */
export async function completeMultipartUpload(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  const body = parseXmlBody(await readText(req));
  const complete = body.CompleteMultipartUpload as { Part?: { PartNumber?: unknown; ETag?: unknown }[] } | undefined;
  if (!complete) throw new CosError("MalformedXML", "expected a CompleteMultipartUpload document");
  const parts = (complete.Part ?? []).map((part) => ({
    partNumber: Number(part.PartNumber),
    etag: String(part.ETag ?? ""),
  }));
  const object = await options.store.completeUpload(upload, parts);
  await emit(context, "CompleteMultipartUpload", object);
  sendXml(
    res,
    200,
    [
      "CompleteMultipartUploadResult",
      [
        ["Location", `${req.headers.host ?? ""}/${encodeURIComponent(key).replace(/%2F/g, "/")}`],
        ["Bucket", bucketName(context)],
        ["Key", key],
        ["ETag", `"${object.etag}"`],
      ],
    ],
    { "x-cos-hash-crc64ecma": object.crc64, ...writtenVersionHeader(object) },
  );
}

/** Abort Multipart Upload: `DELETE /<key>?uploadId=ID`. */
export async function abortMultipartUpload(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  await options.store.abortUpload(upload);
  sendEmpty(res, 204);
}

/** List Parts: `GET /<key>?uploadId=ID` (`part-number-marker`, `max-parts`). */
export async function listParts(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  const marker = Number(query.get("part-number-marker") ?? 0);
  const maxParts = Math.min(Number(query.get("max-parts") ?? MAX_PARTS_PER_LIST), MAX_PARTS_PER_LIST);
  const all = [...upload.parts.values()]
    .filter((p) => p.partNumber > marker)
    .sort((a, b) => a.partNumber - b.partNumber);
  const parts = all.slice(0, maxParts);
  const truncated = all.length > parts.length;
  sendXml(res, 200, [
    "ListPartsResult",
    [
      ["Bucket", bucketName(context)],
      ["Key", key],
      ["UploadId", upload.uploadId],
      ["StorageClass", upload.attributes.storageClass],
      ["PartNumberMarker", marker],
      ["NextPartNumberMarker", parts.at(-1)?.partNumber ?? marker],
      ["MaxParts", maxParts],
      ["IsTruncated", truncated],
      ...parts.map(
        (p): XmlNode => [
          "Part",
          [
            ["PartNumber", p.partNumber],
            ["LastModified", p.lastModified],
            ["ETag", `"${p.etag}"`],
            ["Size", p.size],
          ],
        ],
      ),
    ],
  ]);
}

/** List Multipart Uploads: `GET /?uploads` (`prefix`); every upload in one page. */
export async function listMultipartUploads(context: RequestContext): Promise<void> {
  const { res, query, options } = context;
  const prefix = query.get("prefix") ?? "";
  const uploads = options.store.listUploads(bucketName(context), prefix);
  sendXml(res, 200, [
    "ListMultipartUploadsResult",
    [
      ["Bucket", bucketName(context)],
      ["Prefix", prefix],
      ["KeyMarker", query.get("key-marker") ?? ""],
      ["UploadIdMarker", query.get("upload-id-marker") ?? ""],
      ["MaxUploads", MAX_UPLOADS_PER_LIST],
      ["IsTruncated", false],
      ...uploads.map(
        (u): XmlNode => [
          "Upload",
          [
            ["Key", u.key],
            ["UploadId", u.uploadId],
            ["StorageClass", u.attributes.storageClass],
            ["Initiated", u.initiated],
          ],
        ],
      ),
    ],
  ]);
}
