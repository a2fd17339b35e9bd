import { randomBytes } from "node:crypto";
import { encodeObjectKey } from "./object-key.ts";
import { fullRegionName, shortRegionCode } from "./regions.ts";

/** What one record of a built event says. Only `eventName`, `bucket`, `region` and `key` are required. */
export interface CosEventInput {
  eventName: string;
  /** The full bucket name, `name-appid`. */
  bucket: string;
  /** A full region name (`ap-guangzhou`) or a short code (`gz`). */
  region: string;
  /** The object key, as stored (not encoded). */
  key: string;
  size?: number;
  /** The ETag, with or without its quotes. */
  etag?: string;
  versionId?: string;
  contentType?: string;
  /** Default `STANDARD`. */
  storageClass?: string;
  /** `x-cos-meta-*` pairs, without the prefix. */
  userMetadata?: Record<string, string>;
  /** Default now. */
  eventTime?: Date;
  /** `x-cos-request-id`; default a random id of COS's form. */
  requestId?: string;
  /** Default `127.0.0.1`. */
  sourceIp?: string;
  /** How `cosObject.key` carries the object key: `raw` (as captured events do, the default) or `percent`. */
  keyEncoding?: "raw" | "percent";
  /** The function named in `eventQueue`; default `cosfn`. */
  functionName?: string;
  /** Overrides the whole `eventQueue`. */
  eventQueue?: string;
  /** Default `"unknown"`. */
  notificationId?: string;
}

/** Splits `name-appid` into its parts, or throws a RangeError that says what is wrong. */
export function splitBucket(bucket: string): { name: string; appId: string } {
  const match = /^([a-z0-9][a-z0-9-]*)-(\d+)$/.exec(bucket);
  if (!match?.[1] || !match[2]) {
    throw new RangeError(
      `bucket ${JSON.stringify(bucket)}: expected "<name>-<appid>", e.g. "examplebucket-1250000000"`,
    );
  }
  return { name: match[1], appId: match[2] };
}

/**
 * Builds a COS trigger event in the exact shape SCF delivers, with the extras real events carry (`cosRegion`,
 * `s3Region`, `ETag`, `x-cos-storage-class`, `reqid: 0`, a `$DEFAULT` queue). One input gives one record; an
 * array gives one record each.
 */
export function cosEvent(input: CosEventInput | readonly CosEventInput[]): { Records: Record<string, unknown>[] } {
  const inputs = Array.isArray(input) ? input : [input as CosEventInput];
  return { Records: inputs.map(buildRecord) };
}

function buildRecord(input: CosEventInput): Record<string, unknown> {
  const { name, appId } = splitBucket(input.bucket);
  const region = fullRegionName(input.region);
  if (region === undefined) throw new RangeError(`region ${JSON.stringify(input.region)}: not a COS region`);
  if (input.key === "") throw new RangeError("key: expected a non-empty object key");
  const encodedKey = encodeObjectKey(input.key);
  const meta: Record<string, string> = {
    "x-cos-request-id": input.requestId ?? randomBytes(24).toString("base64"),
    "Content-Type": input.contentType ?? "",
    "x-cos-storage-class": input.storageClass ?? "STANDARD",
  };
  if (input.etag !== undefined) meta.ETag = `"${input.etag.replace(/^"(.*)"$/s, "$1")}"`;
  for (const [metaName, value] of Object.entries(input.userMetadata ?? {})) meta[`x-cos-meta-${metaName}`] = value;
  const eventTime = input.eventTime ?? new Date();
  return {
    cos: {
      cosSchemaVersion: "1.0",
      cosObject: {
        url: `http://${input.bucket}.cos.${region}.myqcloud.com/${encodedKey}`,
        meta,
        vid: input.versionId ?? "",
        key: `/${appId}/${name}/${input.keyEncoding === "percent" ? encodedKey : input.key}`,
        size: input.size ?? 0,
      },
      cosBucket: {
        region: shortRegionCode(region),
        name,
        appid: appId,
        cosRegion: region,
        s3Region: region,
      },
      cosNotificationId: input.notificationId ?? "unknown",
    },
    event: {
      eventName: input.eventName,
      eventVersion: "1.0",
      eventTime: Math.floor(eventTime.getTime() / 1000),
      eventSource: "qcs::cos",
      requestParameters: {
        requestSourceIP: input.sourceIp ?? "127.0.0.1",
        requestHeaders: { Authorization: "" },
      },
      eventQueue:
        input.eventQueue ?? `qcs:0:scf:${region}:appid/${appId}:default.${input.functionName ?? "cosfn"}.$DEFAULT`,
      reservedInfo: "",
      reqid: 0,
    },
  };
}
