import { CosError } from "./errors.ts";
import { MAX_KEYS_PER_LIST } from "./limits.ts";
import { bucketName, drain, type RequestContext, readText } from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import { type StoredObject, versionIdOf } from "./store.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

/** GET Service: the account's buckets. */
export async function getService({ res, options }: RequestContext): Promise<void> {
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

/** PUT Bucket: creates the bucket in the Host's region. */
export async function putBucket(context: RequestContext): Promise<void> {
  const { req, res, options, target } = context;
  const name = bucketName(context);
  if (!/^[a-z0-9][a-z0-9-]{0,48}-\d+$/.test(name))
    throw new CosError("InvalidBucketName", "the specified bucket is not valid");
  // A bucket's canned ACL (doc 436/30752): private (the default) or public-read; public-read-write is not modelled.
  const acl = String(req.headers["x-cos-acl"] ?? "private").trim();
  if (acl !== "private" && acl !== "public-read") {
    throw new CosError(
      "InvalidArgument",
      `the local cloud models x-cos-acl private or public-read on a bucket, got ${acl}`,
    );
  }
  await drain(req);
  await options.store.createBucket(name, target.region, acl);
  sendEmpty(res, 200);
}

/** HEAD Bucket: 200 with `x-cos-bucket-region`, or 404. */
export async function headBucket(context: RequestContext): Promise<void> {
  const { res, options, target } = context;
  const bucket = options.store.getBucket(bucketName(context));
  if (!bucket) throw new CosError("NoSuchBucket", "the specified bucket does not exist");
  sendEmpty(res, 200, { "x-cos-bucket-region": bucket.region ?? target.region });
}

/** DELETE Bucket. */
export async function deleteBucket(context: RequestContext): Promise<void> {
  await context.options.store.deleteBucket(bucketName(context));
  sendEmpty(context.res, 204);
}

/** GET Bucket (list objects): `prefix`, `marker`, `delimiter`, `max-keys`, `encoding-type=url`. */
export async function getBucket(context: RequestContext): Promise<void> {
  const { res, query, options } = context;
  const maxKeys = query.has("max-keys") ? Number(query.get("max-keys")) : MAX_KEYS_PER_LIST;
  if (!Number.isInteger(maxKeys) || maxKeys < 0 || maxKeys > MAX_KEYS_PER_LIST) {
    throw new CosError("InvalidArgument", `max-keys must be an integer from 0 to ${MAX_KEYS_PER_LIST}`);
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

/**
 * GET Bucket versioning (doc 436/19888): `<VersioningConfiguration/>` for a bucket never versioned, else its
 * `<Status>` (Enabled or Suspended).
 */
export async function getBucketVersioning(context: RequestContext): Promise<void> {
  const bucket = context.options.store.getBucket(bucketName(context));
  if (!bucket) throw new CosError("NoSuchBucket", "the specified bucket does not exist");
  sendXml(context.res, 200, [
    "VersioningConfiguration",
    bucket.versioning ? [["Status", bucket.versioning]] : undefined,
  ]);
}

/** PUT Bucket versioning (doc 436/19889): `<Status>` Enabled or Suspended; a bucket once versioned stays so. */
export async function putBucketVersioning(context: RequestContext): Promise<void> {
  const { req, res, options } = context;
  const body = parseXmlBody(await readText(req));
  const status = (body.VersioningConfiguration as { Status?: unknown } | undefined)?.Status;
  if (status !== "Enabled" && status !== "Suspended") {
    throw new CosError("MalformedXML", "VersioningConfiguration.Status must be Enabled or Suspended");
  }
  await options.store.setVersioning(bucketName(context), status);
  sendEmpty(res, 200);
}

const OWNER: XmlNode = [
  "Owner",
  [
    ["ID", "100000000001"],
    ["DisplayName", "100000000001"],
  ],
];

/**
 * GET Bucket Object Versions (doc 436/35521): `prefix`, `delimiter`, `key-marker`, `version-id-marker`,
 * `max-keys` (entries: versions, delete markers and common prefixes together), `encoding-type=url`; each
 * `<Version>` or `<DeleteMarker>` with `IsLatest`; `NextKeyMarker` and `NextVersionIdMarker` when truncated.
 */
export async function getBucketObjectVersions(context: RequestContext): Promise<void> {
  const { res, query, options } = context;
  const maxKeys =
    query.has("max-keys") && query.get("max-keys") !== "" ? Number(query.get("max-keys")) : MAX_KEYS_PER_LIST;
  if (!Number.isInteger(maxKeys) || maxKeys < 0 || maxKeys > MAX_KEYS_PER_LIST) {
    throw new CosError("InvalidArgument", `max-keys must be an integer from 0 to ${MAX_KEYS_PER_LIST}`);
  }
  const encode =
    query.get("encoding-type") === "url" ? (text: string) => encodeURIComponent(text) : (text: string) => text;
  const prefix = query.get("prefix") ?? "";
  const keyMarker = query.get("key-marker") ?? "";
  const versionIdMarker = query.get("version-id-marker") ?? "";
  const delimiter = query.get("delimiter") ?? "";
  const result = options.store.listVersions(bucketName(context), {
    prefix,
    keyMarker,
    versionIdMarker,
    delimiter,
    maxKeys,
  });
  const entry = ({ object, isLatest }: { object: StoredObject; isLatest: boolean }): XmlNode =>
    object.deleteMarker
      ? [
          "DeleteMarker",
          [
            ["Key", encode(object.key)],
            ["VersionId", versionIdOf(object)],
            ["IsLatest", isLatest],
            ["LastModified", object.lastModified],
            OWNER,
          ],
        ]
      : [
          "Version",
          [
            ["Key", encode(object.key)],
            ["VersionId", versionIdOf(object)],
            ["IsLatest", isLatest],
            ["LastModified", object.lastModified],
            ["ETag", `"${object.etag}"`],
            ["Size", object.size],
            ["StorageClass", object.storageClass],
            OWNER,
          ],
        ];
  sendXml(res, 200, [
    "ListVersionsResult",
    [
      ...(query.has("encoding-type") ? [["EncodingType", query.get("encoding-type")] as XmlNode] : []),
      ["Name", bucketName(context)],
      ["Prefix", encode(prefix)],
      ["KeyMarker", encode(keyMarker)],
      ["VersionIdMarker", versionIdMarker],
      ["MaxKeys", maxKeys],
      ...(delimiter ? [["Delimiter", encode(delimiter)] as XmlNode] : []),
      ["IsTruncated", result.isTruncated],
      ...(result.isTruncated
        ? [
            ["NextKeyMarker", encode(result.nextKeyMarker ?? "")] as XmlNode,
            ["NextVersionIdMarker", result.nextVersionIdMarker ?? ""] as XmlNode,
          ]
        : []),
      ...result.commonPrefixes.map((common): XmlNode => ["CommonPrefixes", [["Prefix", encode(common)]]]),
      ...result.versions.map(entry),
    ],
  ]);
}
