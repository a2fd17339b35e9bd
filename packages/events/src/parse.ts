import type * as z from "zod/mini";
import { CosEventError, type CosEventIssue, formatPath } from "./errors.ts";
import { type CosEventKind, eventKind } from "./event-names.ts";
import { MAX_KEY_BYTES, rawUrlPath, tryDecode, utf8Length } from "./object-key.ts";
import { fullRegionName, isFullRegionName } from "./regions.ts";
import { CosEventSchema, type RawCosEventRecord } from "./schema.ts";

/** One record of a COS event, checked and normalized. */
export interface CosRecord {
  /** As COS sent it, e.g. `cos:ObjectCreated:Put`. */
  eventName: string;
  kind: CosEventKind;
  /** The full bucket name, `name-appid`. */
  bucket: string;
  /** The bucket name without the APPID. */
  bucketName: string;
  appId: string;
  /** The full region name, e.g. `ap-guangzhou`. */
  region: string;
  /** The object key, decoded, without the `/<appid>/<bucket>/` prefix. */
  key: string;
  /** Bytes, when the event says (delete events may not). */
  size: number | null;
  /** The ETag without its quotes. */
  etag: string | null;
  versionId: string | null;
  contentType: string | null;
  storageClass: string | null;
  /** The `x-cos-meta-*` pairs, prefix removed. */
  userMetadata: Record<string, string>;
  eventTime: Date;
  /** `x-cos-request-id` of the request that changed the object. */
  requestId: string | null;
  sourceIp: string | null;
  /** The record as it arrived, unknown fields included. */
  raw: RawCosEventRecord;
}

export type SafeParseResult = { success: true; data: CosRecord[] } | { success: false; error: CosEventError };

/** Validates a raw SCF event and returns its normalized records, or throws a `CosEventError`. */
export function parseCosEvent(input: unknown): CosRecord[] {
  const result = safeParseCosEvent(input);
  if (!result.success) throw result.error;
  return result.data;
}

/** Like `parseCosEvent`, but returns `{ success, data | error }` instead of throwing. */
export function safeParseCosEvent(input: unknown): SafeParseResult {
  const parsed = CosEventSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      problem: describeIssue(issue, input),
    }));
    return { success: false, error: new CosEventError(issues, { cause: parsed.error }) };
  }
  const issues: CosEventIssue[] = [];
  const records: CosRecord[] = [];
  parsed.data.Records.forEach((record, index) => {
    const normalized = normalizeRecord(record, `Records[${index}]`, issues);
    if (normalized) records.push(normalized);
  });
  if (issues.length > 0) return { success: false, error: new CosEventError(issues) };
  return { success: true, data: records };
}

function normalizeRecord(raw: RawCosEventRecord, at: string, issues: CosEventIssue[]): CosRecord | undefined {
  const before = issues.length;
  const report = (path: string, problem: string) => {
    issues.push({ path: `${at}.${path}`, problem });
  };
  const { cosObject, cosBucket } = raw.cos;
  const { event } = raw;

  const kind = eventKind(event.eventName);
  if (!kind) {
    const hint = /^cos:ObjectRemoved:/.test(event.eventName) ? ' (COS spells it "cos:ObjectRemove:...")' : "";
    report(
      "event.eventName",
      `expected a COS event name like "cos:ObjectCreated:Put", got ${JSON.stringify(event.eventName)}${hint}`,
    );
  }

  const appId = String(cosBucket.appid);
  const bucketName = cosBucket.name.endsWith(`-${appId}`)
    ? cosBucket.name.slice(0, -(appId.length + 1))
    : cosBucket.name;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(bucketName)) {
    report(
      "cos.cosBucket.name",
      `expected a bucket name of lowercase letters, digits and "-", got ${JSON.stringify(cosBucket.name)}`,
    );
  }

  const region = resolveRegion(cosBucket, report);
  const eventTime = parseEventTime(event.eventTime, report);
  const key = resolveKey(cosObject.key, cosObject.url, appId, bucketName, report);
  const meta = readMeta(cosObject.meta ?? {}, report);

  if (issues.length > before || !kind || region === undefined || !eventTime || key === undefined || !meta) {
    return undefined;
  }
  const etag = meta.get("etag")?.replace(/^"(.*)"$/s, "$1");
  return {
    eventName: event.eventName,
    kind,
    bucket: `${bucketName}-${appId}`,
    bucketName,
    appId,
    region,
    key,
    size: cosObject.size === undefined ? null : Number(cosObject.size),
    etag: etag || null,
    versionId: cosObject.vid || null,
    contentType: meta.get("content-type") || null,
    storageClass: meta.get("x-cos-storage-class") || null,
    userMetadata: meta.user,
    eventTime,
    requestId: meta.get("x-cos-request-id") || null,
    sourceIp: event.requestParameters?.requestSourceIP || null,
    raw,
  };
}

type Report = (path: string, problem: string) => void;

function resolveRegion(bucket: RawCosEventRecord["cos"]["cosBucket"], report: Report): string | undefined {
  for (const field of ["cosRegion", "s3Region"] as const) {
    const value = bucket[field];
    if (value === undefined || value === "") continue;
    if (isFullRegionName(value)) return value;
    report(`cos.cosBucket.${field}`, `expected a full region name like "ap-guangzhou", got ${JSON.stringify(value)}`);
    return undefined;
  }
  if (bucket.region === undefined || bucket.region === "") {
    report("cos.cosBucket.region", "expected a region code (cosRegion, s3Region and region are all missing)");
    return undefined;
  }
  const full = fullRegionName(bucket.region);
  if (full === undefined) report("cos.cosBucket.region", `unknown COS region code ${JSON.stringify(bucket.region)}`);
  return full;
}

function parseEventTime(value: number | string, report: Report): Date | undefined {
  const trimmed = typeof value === "string" ? value.trim() : value;
  const millis =
    typeof trimmed === "number" || /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed);
  const time = new Date(millis);
  if (Number.isNaN(time.getTime()) || millis < 0) {
    report("event.eventTime", `expected Unix seconds or an ISO 8601 time, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return time;
}

/**
 * Strips the `/<appid>/<bucket>/` prefix once and decodes the rest. The key arrives raw in captured events
 * and may arrive percent-encoded; the percent-encoded `url` decides which reading is right. With no `url`,
 * the key is taken as it is.
 */
function resolveKey(
  rawKey: string,
  url: string | undefined,
  appId: string,
  bucketName: string,
  report: Report,
): string | undefined {
  const prefix = `/${appId}/${bucketName}/`;
  if (!rawKey.startsWith(prefix)) {
    report(
      "cos.cosObject.key",
      `expected "/<appid>/<bucket>/<key>" starting with ${JSON.stringify(prefix)}, got ${JSON.stringify(clip(rawKey))}`,
    );
    return undefined;
  }
  const asIs = rawKey.slice(prefix.length);
  let key = asIs;
  if (url !== undefined && url !== "") {
    const path = rawUrlPath(url);
    const fromUrl = path === undefined ? undefined : tryDecode(path);
    if (fromUrl === undefined) {
      report("cos.cosObject.url", `expected a URL with a percent-encoded object key, got ${JSON.stringify(clip(url))}`);
      return undefined;
    }
    if (fromUrl !== asIs) {
      const decoded = tryDecode(asIs);
      if (decoded !== fromUrl) {
        report(
          "cos.cosObject.key",
          `key ${JSON.stringify(clip(asIs))} does not match the object of cosObject.url (${JSON.stringify(clip(fromUrl))})`,
        );
        return undefined;
      }
      key = decoded;
    }
  }
  if (key === "") {
    report("cos.cosObject.key", `expected an object key after ${JSON.stringify(prefix)}, got none`);
    return undefined;
  }
  if (LONE_SURROGATE.test(key)) {
    report("cos.cosObject.key", "expected valid Unicode, got a lone surrogate");
    return undefined;
  }
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) {
    report("cos.cosObject.key", `expected at most ${MAX_KEY_BYTES} bytes of UTF-8 (COS's limit), got ${bytes}`);
    return undefined;
  }
  return key;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface Meta {
  get(lowercaseName: string): string | undefined;
  user: Record<string, string>;
}

function readMeta(meta: Record<string, unknown>, report: Report): Meta | undefined {
  const known = new Map<string, string>();
  const user: Record<string, string> = {};
  let ok = true;
  for (const [name, value] of Object.entries(meta)) {
    const lower = name.toLowerCase();
    const isUser = lower.startsWith("x-cos-meta-");
    if (!isUser && !USED_META.has(lower)) continue;
    if (typeof value !== "string") {
      report(`cos.cosObject.meta${formatPath([name])}`, `expected a string, got ${describeValue(value)}`);
      ok = false;
      continue;
    }
    if (isUser)
      Object.defineProperty(user, name.slice("x-cos-meta-".length), {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else known.set(lower, value);
  }
  return ok ? { get: (n) => known.get(n), user } : undefined;
}

const USED_META = new Set(["etag", "content-type", "x-cos-storage-class", "x-cos-request-id"]);

function clip(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(clip(value))}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean") return `${typeof value} ${String(value)}`;
  return typeof value;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = Object.hasOwn(current, segment) ? (current as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  return current;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "invalid_type") {
    const actual = valueAt(input, issue.path);
    const expected = issue.expected === "int" ? "integer" : issue.expected;
    return actual === undefined
      ? `required ${expected} is missing`
      : `expected ${expected}, got ${describeValue(actual)}`;
  }
  if (issue.message && issue.message !== "Invalid input") return issue.message;
  const actual = valueAt(input, issue.path);
  switch (issue.code) {
    case "invalid_format":
      return `expected ${issue.format === "regex" ? "a value of the right form" : issue.format}, got ${describeValue(actual)}`;
    case "too_small":
      return `expected at least ${String(issue.minimum)}, got ${describeValue(actual)}`;
    default:
      return `invalid value: ${describeValue(actual)}`;
  }
}
