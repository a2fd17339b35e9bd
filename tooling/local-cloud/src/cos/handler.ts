import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { CosError } from "./errors.ts";
import { readPostForm } from "./post-object.ts";
import { type Credentials, verifyCosSignature } from "./signature.ts";
import { MAX_OBJECT_BYTES, type ObjectAttributes, type ObjectStore, type StoredObject } from "./store.ts";
import { parseXmlBody, type XmlNode, xmlDocument } from "./xml.ts";

/** A change the COS API made, for triggers: the event name's last part, the object, who asked. */
export interface CosChange {
  operation: "Put" | "Post" | "Copy" | "CompleteMultipartUpload" | "Delete";
  bucket: string;
  region: string;
  key: string;
  /** The object written, or the one deleted. */
  object: StoredObject;
  requestId: string;
  sourceIp: string;
}

/** A `GET /<key>?ci-process=...` request, answered by the Cloud Infinite part of the local cloud. */
export type CiProcessHandler = (request: {
  process: string;
  query: Map<string, string>;
  bucket: string;
  object: StoredObject;
  store: ObjectStore;
}) => Promise<{ status: number; body: string; contentType?: string }>;

export interface CosHandlerOptions {
  store: ObjectStore;
  credentials: () => readonly Credentials[];
  onChange: (change: CosChange) => void;
  ciProcess?: CiProcessHandler;
}

/** A request addressed to a bucket (`<bucket>.cos.<region>.myqcloud.com`) or to the service endpoint. */
export interface CosTarget {
  bucket: string | undefined;
  region: string;
}

const HOST = /^(?:([a-z0-9][a-z0-9-]*-\d+)\.)?cos\.([a-z0-9-]+)\.myqcloud\.com(?::\d+)?$/;

/** Reads the bucket and region from a COS Host header; `undefined` if the host is not a COS host. */
export function cosTarget(host: string | undefined): CosTarget | undefined {
  if (host === "service.cos.myqcloud.com") return { bucket: undefined, region: "" };
  const match = host === undefined ? null : HOST.exec(host.toLowerCase());
  return match ? { bucket: match[1], region: match[2] as string } : undefined;
}

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

/** Serves one COS XML API request against the store. */
export async function handleCosRequest(
  req: IncomingMessage,
  res: ServerResponse,
  target: CosTarget,
  options: CosHandlerOptions,
): Promise<void> {
  const requestId = randomBytes(18).toString("base64");
  res.setHeader("x-cos-request-id", requestId);
  res.setHeader("Server", "tencent-cos");
  const rawUrl = req.url ?? "/";
  const queryAt = rawUrl.indexOf("?");
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  const queryPairs = parseQuery(queryAt < 0 ? "" : rawUrl.slice(queryAt + 1));
  const query = new Map(queryPairs);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return sendError(req, res, new CosError("InvalidURI", "couldn't parse the specified URI"), requestId, rawPath);
  }
  const key = path.slice(1);
  const resource = `${req.headers.host ?? ""}${rawPath}`;
  try {
    // A browser-form upload (POST Object) carries its signature in the form; readPostForm checks it.
    const isForm =
      req.method === "POST" &&
      key === "" &&
      queryPairs.length === 0 &&
      /^multipart\/form-data/i.test(req.headers["content-type"] ?? "");
    if (!isForm) {
      verifyCosSignature(
        { method: req.method ?? "GET", path, query: queryPairs, headers: req.headers },
        options.credentials(),
      );
    }
    const context: RequestContext = { req, res, target, key, query, options, requestId };
    if (target.bucket === undefined) return await listBuckets(context);
    if (Buffer.byteLength(key, "utf8") > 850)
      throw new CosError("KeyTooLong", "your key is too long (COS's limit is 850 bytes)");
    await (key === "" ? bucketRequest(context) : objectRequest(context));
  } catch (error) {
    if (error instanceof CosError) return sendError(req, res, error, requestId, resource);
    if (res.headersSent) {
      res.destroy(error as Error);
      return;
    }
    return sendError(req, res, new CosError("InternalError", (error as Error).message), requestId, resource);
  }
}

interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  target: CosTarget;
  key: string;
  query: Map<string, string>;
  options: CosHandlerOptions;
  requestId: string;
}

function bucketName(context: RequestContext): string {
  return context.target.bucket as string;
}

async function listBuckets({ res, options }: RequestContext): Promise<void> {
  const buckets = options.store.listBuckets();
  sendXml(res, 200, [
    "ListAllMyBucketsResult",
    [
      [
        "Owner",
        [
          ["ID", "qcs::cam::uin/100000000001:uin/100000000001"],
          ["DisplayName", "100000000001"],
        ],
      ],
      [
        "Buckets",
        buckets.map(
          (b): XmlNode => [
            "Bucket",
            [
              ["Name", b.name],
              ["Location", b.region],
              ["CreationDate", b.createdAt],
            ],
          ],
        ),
      ],
    ],
  ]);
}

async function bucketRequest(context: RequestContext): Promise<void> {
  const { req, res, query, options, target } = context;
  const name = bucketName(context);
  const store = options.store;
  switch (req.method) {
    case "PUT":
      if (query.size > 0) throw notImplemented(query);
      if (!/^[a-z0-9][a-z0-9-]{0,48}-\d+$/.test(name))
        throw new CosError("InvalidBucketName", "the specified bucket is not valid");
      await drain(req);
      await store.createBucket(name, target.region);
      return sendEmpty(res, 200);
    case "HEAD":
      if (!store.getBucket(name)) throw new CosError("NoSuchBucket", "the specified bucket does not exist");
      return sendEmpty(res, 200, { "x-cos-bucket-region": store.getBucket(name)?.region ?? target.region });
    case "DELETE":
      await store.deleteBucket(name);
      return sendEmpty(res, 204);
    case "GET":
      if (query.has("uploads")) return listUploads(context);
      if ([...query.keys()].some((k) => !["prefix", "marker", "delimiter", "max-keys", "encoding-type"].includes(k))) {
        throw notImplemented(query);
      }
      return listObjects(context);
    case "POST":
      if (query.has("delete")) return deleteMany(context);
      if (query.size === 0) return postObject(context);
      throw notImplemented(query);
    default:
      throw new CosError("MethodNotAllowed", `the specified method is not allowed against this resource`);
  }
}

async function objectRequest(context: RequestContext): Promise<void> {
  const { req, query } = context;
  switch (req.method) {
    case "GET":
      if (query.has("tagging")) return getTags(context);
      if (query.has("uploadId")) return listParts(context);
      if (query.has("ci-process")) return ciProcess(context);
      return getObject(context, true);
    case "HEAD":
      return getObject(context, false);
    case "PUT":
      if (query.has("uploadId") || query.has("partNumber")) return uploadPart(context);
      if (query.has("tagging")) return putTags(context);
      if (req.headers["x-cos-copy-source"] !== undefined) return copyObject(context);
      if (query.size > 0) throw notImplemented(query);
      return putObject(context);
    case "POST":
      if (query.has("uploads")) return initiateUpload(context);
      if (query.has("uploadId")) return completeUpload(context);
      throw notImplemented(query);
    case "DELETE":
      if (query.has("uploadId")) return abortUpload(context);
      if (query.has("tagging")) return deleteTags(context);
      return deleteObject(context);
    default:
      throw new CosError("MethodNotAllowed", "the specified method is not allowed against this resource");
  }
}

// ---- objects ----

async function putObject(context: RequestContext): Promise<void> {
  const { req, res, key, options } = context;
  const attributes = attributesFrom(req);
  const object = await options.store.put(bucketName(context), key, req, attributes, uploadChecks(req));
  emit(context, "Put", object);
  sendEmpty(res, 200, { ETag: `"${object.etag}"`, "x-cos-hash-crc64ecma": object.crc64 });
}

async function postObject(context: RequestContext): Promise<void> {
  const { req, res, options } = context;
  if (!options.store.getBucket(bucketName(context)))
    throw new CosError("NoSuchBucket", "the specified bucket does not exist");
  const upload = await readPostForm(req, bucketName(context), options.credentials());
  const object = await options.store.put(bucketName(context), upload.key, upload.file, upload.attributes, {
    ...(upload.lengthRange && { sizeRange: upload.lengthRange }),
  });
  // The rest of the form, if any, is read and dropped.
  req.resume();
  emit({ ...context, key: upload.key }, "Post", object);
  const location = `http://${req.headers.host ?? ""}/${encodeURIComponent(upload.key).replace(/%2F/g, "/")}`;
  const headers = { ETag: `"${object.etag}"`, Location: location, "x-cos-hash-crc64ecma": object.crc64 };
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

async function getObject(context: RequestContext, withBody: boolean): Promise<void> {
  const { req, res, key, query, options } = context;
  const object = options.store.head(bucketName(context), key);
  if (!object) throw new CosError("NoSuchKey", "the specified key does not exist");
  const headers = objectHeaders(object);
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined && stripQuotes(ifNoneMatch) === object.etag) return sendEmpty(res, 304, headers);
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && stripQuotes(ifMatch) !== object.etag) {
    throw new CosError("PreconditionFailed", "at least one of the preconditions you specified did not hold");
  }
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
  const { stream } = options.store.read(bucketName(context), key, range ?? undefined);
  res.writeHead(status, headers);
  await pipeline(stream, res);
}

async function deleteObject(context: RequestContext): Promise<void> {
  const { res, key, options } = context;
  const existing = options.store.head(bucketName(context), key);
  if (await options.store.delete(bucketName(context), key)) emit(context, "Delete", existing as StoredObject);
  sendEmpty(res, 204);
}

async function copyObject(context: RequestContext): Promise<void> {
  const { req, res, key, options } = context;
  const source = parseCopySource(String(req.headers["x-cos-copy-source"]));
  const directive = String(req.headers["x-cos-metadata-directive"] ?? "Copy");
  if (directive !== "Copy" && directive !== "Replaced") {
    throw new CosError("InvalidArgument", `x-cos-metadata-directive must be Copy or Replaced, got ${directive}`);
  }
  if (!options.store.getBucket(source.bucket))
    throw new CosError("NoSuchBucket", "the copy source bucket does not exist");
  if (directive === "Copy" && source.bucket === bucketName(context) && source.key === key) {
    throw new CosError(
      "InvalidRequest",
      "this copy request is illegal because it is trying to copy an object to itself without changing the metadata",
    );
  }
  await drain(req);
  const object = await options.store.copy(
    source,
    { bucket: bucketName(context), key },
    directive === "Replaced" ? attributesFrom(req) : undefined,
  );
  emit(context, "Copy", object);
  sendXml(res, 200, [
    "CopyObjectResult",
    [
      ["ETag", `"${object.etag}"`],
      ["CRC64", object.crc64],
      ["LastModified", object.lastModified],
    ],
  ]);
}

async function deleteMany(context: RequestContext): Promise<void> {
  const { req, res, options } = context;
  const body = parseXmlBody(await readText(req));
  const request = body.Delete as { Quiet?: string; Object?: { Key?: string }[] } | undefined;
  const objects = request?.Object ?? [];
  if (!request || objects.length === 0) throw new CosError("MalformedXML", "the Delete request lists no objects");
  if (objects.length > 1000) throw new CosError("MalformedXML", "a Delete request may list at most 1000 objects");
  const quiet = request.Quiet === "true";
  const results: XmlNode[] = [];
  for (const item of objects) {
    const key = String(item.Key ?? "");
    const existing = options.store.head(bucketName(context), key);
    if (await options.store.delete(bucketName(context), key)) emit(context, "Delete", existing as StoredObject);
    if (!quiet) results.push(["Deleted", [["Key", key]]]);
  }
  sendXml(res, 200, ["DeleteResult", results]);
}

async function listObjects(context: RequestContext): Promise<void> {
  const { res, query, options } = context;
  const maxKeys = query.has("max-keys") ? Number(query.get("max-keys")) : 1000;
  if (!Number.isInteger(maxKeys) || maxKeys < 0 || maxKeys > 1000) {
    throw new CosError("InvalidArgument", "max-keys must be an integer from 0 to 1000");
  }
  const encode =
    query.get("encoding-type") === "url" ? (text: string) => encodeURIComponent(text) : (text: string) => text;
  const listOptions = {
    prefix: query.get("prefix") ?? "",
    marker: query.get("marker") ?? "",
    delimiter: query.get("delimiter") ?? "",
    maxKeys,
  };
  const result = options.store.list(bucketName(context), listOptions);
  const children: XmlNode[] = [
    ["Name", bucketName(context)],
    ...(query.has("encoding-type") ? [["EncodingType", query.get("encoding-type")] as XmlNode] : []),
    ["Prefix", encode(listOptions.prefix)],
    ["Marker", encode(listOptions.marker)],
    ["MaxKeys", maxKeys],
    ...(listOptions.delimiter ? [["Delimiter", encode(listOptions.delimiter)] as XmlNode] : []),
    ["IsTruncated", result.isTruncated],
    ...(result.nextMarker !== undefined ? [["NextMarker", encode(result.nextMarker)] as XmlNode] : []),
    ...result.commonPrefixes.map((prefix): XmlNode => ["CommonPrefixes", [["Prefix", encode(prefix)]]]),
    ...result.objects.map(
      (object): XmlNode => [
        "Contents",
        [
          ["Key", encode(object.key)],
          ["LastModified", object.lastModified],
          ["ETag", `"${object.etag}"`],
          ["Size", object.size],
          [
            "Owner",
            [
              ["ID", "100000000001"],
              ["DisplayName", "100000000001"],
            ],
          ],
          ["StorageClass", object.storageClass],
        ],
      ],
    ),
  ];
  sendXml(res, 200, ["ListBucketResult", children]);
}

// ---- tagging ----

async function getTags(context: RequestContext): Promise<void> {
  const object = context.options.store.head(bucketName(context), context.key);
  if (!object) throw new CosError("NoSuchKey", "the specified key does not exist");
  sendXml(context.res, 200, [
    "Tagging",
    [
      [
        "TagSet",
        object.tags.map(
          ([k, v]): XmlNode => [
            "Tag",
            [
              ["Key", k],
              ["Value", v],
            ],
          ],
        ),
      ],
    ],
  ]);
}

async function putTags(context: RequestContext): Promise<void> {
  const body = parseXmlBody(await readText(context.req));
  const tagging = body.Tagging as { TagSet?: { Tag?: { Key?: unknown; Value?: unknown }[] } | "" } | undefined;
  if (!tagging) throw new CosError("MalformedXML", "expected a Tagging document");
  const list = (typeof tagging.TagSet === "object" ? tagging.TagSet.Tag : undefined) ?? [];
  const tags = checkTags(list.map((tag): [string, string] => [String(tag.Key ?? ""), String(tag.Value ?? "")]));
  await context.options.store.setTags(bucketName(context), context.key, tags);
  sendEmpty(context.res, 200);
}

async function deleteTags(context: RequestContext): Promise<void> {
  await context.options.store.setTags(bucketName(context), context.key, []);
  sendEmpty(context.res, 204);
}

function checkTags(tags: [string, string][]): [string, string][] {
  if (tags.length > 10) throw new CosError("InvalidTag", "an object can have at most 10 tags");
  const seen = new Set<string>();
  for (const [key, value] of tags) {
    if (key === "" || key.length > 128)
      throw new CosError("InvalidTag", `tag key ${JSON.stringify(key)} must be 1 to 128 characters`);
    if (value.length > 256)
      throw new CosError("InvalidTag", `tag value for ${JSON.stringify(key)} must be at most 256 characters`);
    if (seen.has(key)) throw new CosError("InvalidTag", `tag key ${JSON.stringify(key)} appears twice`);
    seen.add(key);
  }
  return tags;
}

// ---- multipart ----

async function initiateUpload(context: RequestContext): Promise<void> {
  const { req, res, key, options } = context;
  await drain(req);
  const upload = options.store.initiateUpload(bucketName(context), key, attributesFrom(req));
  sendXml(res, 200, [
    "InitiateMultipartUploadResult",
    [
      ["Bucket", bucketName(context)],
      ["Key", key],
      ["UploadId", upload.uploadId],
    ],
  ]);
}

async function uploadPart(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  if (req.headers["x-cos-copy-source"] !== undefined)
    throw new CosError("NotImplemented", "Upload Part - Copy is not implemented by the local cloud");
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  const part = await options.store.putPart(upload, Number(query.get("partNumber")), req, uploadChecks(req));
  sendEmpty(res, 200, { ETag: `"${part.etag}"` });
}

async function completeUpload(context: RequestContext): Promise<void> {
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
  emit(context, "CompleteMultipartUpload", object);
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
    { "x-cos-hash-crc64ecma": object.crc64 },
  );
}

async function abortUpload(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  await options.store.abortUpload(upload);
  sendEmpty(res, 204);
}

async function listParts(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const upload = options.store.getUpload(bucketName(context), key, query.get("uploadId") ?? "");
  const marker = Number(query.get("part-number-marker") ?? 0);
  const maxParts = Math.min(Number(query.get("max-parts") ?? 1000), 1000);
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

async function listUploads(context: RequestContext): Promise<void> {
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
      ["MaxUploads", 1000],
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

// ---- Cloud Infinite ----

async function ciProcess(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const object = options.store.head(bucketName(context), key);
  if (!object) throw new CosError("NoSuchKey", "the specified key does not exist");
  if (!options.ciProcess) throw new CosError("NotImplemented", "Cloud Infinite is not enabled on this local cloud");
  const answer = await options.ciProcess({
    process: query.get("ci-process") ?? "",
    query,
    bucket: bucketName(context),
    object,
    store: options.store,
  });
  const body = Buffer.from(answer.body);
  res.writeHead(answer.status, {
    "Content-Type": answer.contentType ?? "application/xml",
    "Content-Length": body.length,
  });
  res.end(body);
}

// ---- helpers ----

function emit(context: RequestContext, operation: CosChange["operation"], object: StoredObject): void {
  context.options.onChange({
    operation,
    bucket: bucketName(context),
    region: context.options.store.getBucket(bucketName(context))?.region ?? context.target.region,
    key: object.key,
    object,
    requestId: context.requestId,
    sourceIp: context.req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
  });
}

function attributesFrom(req: IncomingMessage): ObjectAttributes {
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
  return {
    contentType: String(req.headers["content-type"] ?? "application/octet-stream"),
    headers,
    meta,
    storageClass,
    tags,
  };
}

function uploadChecks(req: IncomingMessage): { expectedBytes?: number; contentMd5?: string } {
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

function parseCopySource(source: string): { bucket: string; key: string } {
  const match = /^(?:https?:\/\/)?([a-z0-9][a-z0-9-]*-\d+)\.cos\.[a-z0-9-]+\.myqcloud\.com\/(.+)$/.exec(source);
  if (!match)
    throw new CosError(
      "InvalidArgument",
      `x-cos-copy-source ${JSON.stringify(source)} is not <bucket>.cos.<region>.myqcloud.com/<key>`,
    );
  const rawKey = (match[2] as string).replace(/\?versionId=.*$/, "");
  try {
    return { bucket: match[1] as string, key: decodeURIComponent(rawKey) };
  } catch {
    throw new CosError("InvalidArgument", "x-cos-copy-source is not valid percent-encoding");
  }
}

/** The query string as decoded pairs, in order; a name without `=` has the value "". */
export function parseQuery(text: string): [string, string][] {
  if (text === "") return [];
  return text.split("&").flatMap((part): [string, string][] => {
    if (part === "") return [];
    const at = part.indexOf("=");
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? "" : part.slice(at + 1);
    try {
      return [[decodeURIComponent(name), decodeURIComponent(value)]];
    } catch {
      throw new CosError("InvalidArgument", `query parameter ${JSON.stringify(part)} is not valid percent-encoding`);
    }
  });
}

function stripQuotes(text: string): string {
  return text.replace(/"/g, "");
}

function notImplemented(query: Map<string, string>): CosError {
  return new CosError("NotImplemented", `the local cloud does not implement ?${[...query.keys()].join("&")}`);
}

async function readText(req: IncomingMessage, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new CosError("EntityTooLarge", "the request body is too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function sendXml(res: ServerResponse, status: number, root: XmlNode, headers: Record<string, string> = {}): void {
  const body = Buffer.from(xmlDocument(root));
  res.writeHead(status, { ...headers, "Content-Type": "application/xml", "Content-Length": body.length });
  res.end(body);
}

function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Length": headers["Content-Length"] ?? "0", ...headers });
  res.end();
}

/** Answers a request with COS's error XML (or, for HEAD, the status and `x-cos-error-code`). */
export function answerCosError(req: IncomingMessage, res: ServerResponse, error: CosError): void {
  const requestId = randomBytes(18).toString("base64");
  res.setHeader("x-cos-request-id", requestId);
  sendError(req, res, error, requestId, `${req.headers.host ?? ""}${(req.url ?? "/").split("?")[0]}`);
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: CosError,
  requestId: string,
  resource: string,
): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  // A request whose body was not read (a refused upload) is answered, then the connection is closed.
  const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && !req.readableEnded) res.setHeader("Connection", "close");
  if (req.method === "HEAD") {
    sendEmpty(res, error.status, { ...error.headers, "x-cos-error-code": error.code });
    return;
  }
  sendXml(
    res,
    error.status,
    [
      "Error",
      [
        ["Code", error.code],
        ["Message", error.message],
        ["Resource", resource],
        ["RequestId", requestId],
        ["TraceId", randomBytes(24).toString("base64")],
      ],
    ],
    error.headers,
  );
}
