import { CosfnError, errorCode, errorMessage, TRANSIENT_NETWORK_CODES } from "@cosfn/errors";

/** Where a call went: the CDN domain(s) or the EdgeOne zone, for messages that say which one to fix. */
export interface ApiWhere {
  service: "cdn" | "edgeone";
  /** The hosts of the call's targets. */
  hosts?: readonly string[] | undefined;
  /** CDN: the area the call was for. */
  area?: string | undefined;
  /** EdgeOne: the zone. */
  zone?: string | undefined;
}

/** What kind of failure an API code is; decides retrying and the advice in the message. */
export type ApiFailureKind =
  | "throttled"
  | "internal"
  | "network"
  | "quota"
  | "not-found"
  | "migrated"
  | "unauthorized"
  | "offline"
  | "invalid"
  | "auth"
  | "token"
  | "unknown";

/**
 * A Cloud API (CDN or EdgeOne) call that failed, classified once: `transient` (send again now: throttling,
 * internal errors, the network), `retryable` (SCF's retry may help), `quota` (`batch` or `daily` limit), and the
 * domain or zone, with a message that says what to do.
 */
export class CdnApiError extends CosfnError {
  override readonly name = "CdnApiError";
  readonly kind: ApiFailureKind;
  readonly quota: "batch" | "daily" | undefined;
  readonly where: ApiWhere;
  constructor(
    code: string,
    message: string,
    options: {
      kind: ApiFailureKind;
      where: ApiWhere;
      transient?: boolean;
      retryable?: boolean;
      quota?: "batch" | "daily" | undefined;
      cause?: unknown;
    },
  ) {
    super(code, message, {
      transient: options.transient ?? false,
      retryable: options.retryable ?? false,
      cause: options.cause,
    });
    this.kind = options.kind;
    this.where = options.where;
    this.quota = options.quota;
  }
}

interface Classified {
  kind: ApiFailureKind;
  transient: boolean;
  retryable: boolean;
  quota?: "batch" | "daily";
}

const BATCH_QUOTA = new Set([
  "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
  "LimitExceeded.CdnPurgePathExceedBatchLimit",
  "LimitExceeded.CdnPushExceedBatchLimit",
  "LimitExceeded.BatchQuota",
]);
const DAILY_QUOTA = new Set([
  "LimitExceeded.CdnPurgeUrlExceedDayLimit",
  "LimitExceeded.CdnPurgePathExceedDayLimit",
  "LimitExceeded.CdnPushExceedDayLimit",
  "LimitExceeded.DailyQuota",
]);
const NOT_FOUND = new Set([
  "ResourceNotFound.CdnHostNotExists",
  "ResourceNotFound.CdnUserNotExists",
  "InvalidParameter.ZoneNotFound",
  "InvalidParameter.HostNotFound",
]);
const MIGRATED = new Set([
  "OperationDenied.ProductUpgraded",
  "OperationDenied.ProductUpdating",
  "OperationDenied.UserMigrating",
  "InvalidParameter.CdnHostExistsInEdgeOne",
]);
const OFFLINE = new Set(["ResourceUnavailable.CdnHostIsNotOnline", "InvalidParameter.CdnHostInvalidStatus"]);
/** Signature and key problems that the same credentials will keep having. */
const AUTH = new Set([
  "AuthFailure",
  "AuthFailure.SignatureFailure",
  "AuthFailure.SecretIdNotFound",
  "AuthFailure.InvalidSecretId",
  "AuthFailure.InvalidAuthorization",
  "AuthFailure.MFAFailure",
]);

function classify(code: string): Classified {
  const permanent = (kind: ApiFailureKind): Classified => ({ kind, transient: false, retryable: false });
  // Throttling: per account (20/s), shared by every instance; "operation too often" is CDN's other name for it.
  if (
    code === "RequestLimitExceeded" ||
    code.startsWith("RequestLimitExceeded.") ||
    code === "LimitExceeded.RateLimitExceeded" ||
    code === "UnauthorizedOperation.OperationTooOften"
  )
    return { kind: "throttled", transient: true, retryable: true };
  if (code === "InternalError" || code.startsWith("InternalError.") || code === "ServiceUnavailable")
    return { kind: "internal", transient: true, retryable: true };
  if (BATCH_QUOTA.has(code)) return { ...permanent("quota"), quota: "batch" };
  if (DAILY_QUOTA.has(code)) return { ...permanent("quota"), quota: "daily" };
  if (NOT_FOUND.has(code) || code === "ResourceNotFound" || code.startsWith("ResourceNotFound."))
    return permanent("not-found");
  if (MIGRATED.has(code)) return permanent("migrated");
  if (OFFLINE.has(code)) return permanent("offline");
  // A signature that expired on the way (a slow request, a skewed clock for a moment): sign and send again.
  if (code === "AuthFailure.SignatureExpire") return { kind: "auth", transient: true, retryable: true };
  // The role's temporary credentials expired or were replaced: the next invocation gets fresh ones.
  if (code === "AuthFailure.TokenFailure") return { kind: "token", transient: false, retryable: true };
  if (code === "AuthFailure.UnauthorizedOperation" || code.startsWith("UnauthorizedOperation"))
    return permanent("unauthorized");
  if (AUTH.has(code) || code.startsWith("AuthFailure.")) return permanent("auth");
  if (
    code.startsWith("InvalidParameter") ||
    code.startsWith("MissingParameter") ||
    code.startsWith("UnknownParameter") ||
    code.startsWith("UnsupportedOperation") ||
    code === "InvalidAction" ||
    code.startsWith("LimitExceeded.") ||
    code.startsWith("OperationDenied")
  )
    return permanent("invalid");
  // Nobody classified it: not worth sending again now, but SCF's retry may help (see @cosfn/errors).
  return { kind: "unknown", transient: false, retryable: true };
}

/** `CDN domain a.example.com (mainland)`, `EdgeOne zone zone-123 (a.example.com)`. */
export function describeWhere(where: ApiWhere): string {
  const hosts = where.hosts ?? [];
  const hostList = hosts.length <= 3 ? hosts.join(", ") : `${hosts.slice(0, 3).join(", ")} (+${hosts.length - 3} more)`;
  if (where.service === "edgeone") {
    return `EdgeOne zone ${where.zone ?? "?"}${hostList ? ` (${hostList})` : ""}`;
  }
  const area = where.area ? ` (${where.area})` : "";
  if (hosts.length === 0) return `CDN${area}`;
  return `CDN domain${hosts.length > 1 ? "s" : ""} ${hostList}${area}`;
}

function advice(kind: ApiFailureKind, quota: "batch" | "daily" | undefined, where: ApiWhere): string {
  const cdn = where.service === "cdn";
  switch (kind) {
    case "throttled":
      return "the account's request rate (20/s, shared by every instance) was exceeded; lower the rate or concurrency";
    case "internal":
    case "network":
      return "a temporary failure of the API; it was tried again";
    case "quota":
      return quota === "daily"
        ? `today's quota is spent; the rest waits for tomorrow's quota, or purge a directory instead of each URL (see ${cdn ? "DescribePurgeQuota" : "DescribeContentQuota"})`
        : `the batch limit is smaller than the provider read; check ${cdn ? "DescribePurgeQuota" : "DescribeContentQuota"}`;
    case "not-found":
      return cdn
        ? "add the domain to CDN or fix CDN_DOMAINS (or, if it moved to EdgeOne, set PROVIDER=edgeone and EDGEONE_ZONE_ID)"
        : "add the domain to the EdgeOne zone or fix EDGEONE_ZONE_ID and CDN_DOMAINS";
    case "migrated":
      return "the domain moved to EdgeOne: set PROVIDER=edgeone and EDGEONE_ZONE_ID";
    case "offline":
      return cdn
        ? "the domain is offline or not in a state that can be purged; start it in the CDN console or remove it from CDN_DOMAINS"
        : "the domain is offline; start it in the EdgeOne console or remove it from CDN_DOMAINS";
    case "unauthorized":
      return cdn
        ? "grant the function's role the cdn actions in cam-policy.json and access to the domain"
        : "grant the function's role the teo actions in cam-policy.json and access to the zone";
    case "auth":
      return "check the SecretId and SecretKey (or the function's execution role)";
    case "token":
      return "the role's temporary credentials expired; the next invocation gets fresh ones";
    case "invalid":
      return "the request was refused as invalid; check the targets and the provider's settings";
    case "unknown":
      return "an unexpected answer";
  }
}

/**
 * The one mapping of a Cloud API error code to a `CdnApiError`: whether to send again now, whether SCF's retry
 * can help, whether a quota refused it, and a message naming the domain or zone and what to do.
 */
export function mapApiError(code: string, message: string, where: ApiWhere, cause?: unknown): CdnApiError {
  const classified = classify(code);
  return new CdnApiError(
    code,
    `${describeWhere(where)}: ${code}: ${message.trim() || "no message"}; ${advice(classified.kind, classified.quota, where)}`,
    { ...classified, where, cause },
  );
}

/**
 * Any failure of an SDK call as a `CdnApiError`: the API's answer (a `code`), an HTTP error (a 5xx or 429 is
 * transient), or the network (the SDK wraps socket errors and timeouts without a code: transient).
 */
export function toApiError(error: unknown, where: ApiWhere): CdnApiError {
  if (error instanceof CdnApiError) return error;
  const code = fieldOf(error, "code");
  if (typeof code === "string" && code !== "" && !TRANSIENT_NETWORK_CODES.has(code))
    return mapApiError(code, errorMessage(error), where, error);
  const status = fieldOf(error, "httpCode");
  if (typeof status === "number" && status !== 200) {
    const transient = status >= 500 || status === 429;
    return new CdnApiError(
      `HTTP_${status}`,
      `${describeWhere(where)}: the API answered HTTP ${status}${transient ? "; it was tried again" : ""}`,
      { kind: transient ? "internal" : "unknown", transient, retryable: true, where, cause: error },
    );
  }
  return new CdnApiError(
    "NETWORK",
    `${describeWhere(where)}: the request failed on the way (${errorCode(error)}: ${errorMessage(error)}); ${advice("network", undefined, where)}`,
    { kind: "network", transient: true, retryable: true, where, cause: error },
  );
}

function fieldOf(error: unknown, name: string): unknown {
  if (error === null || typeof error !== "object") return undefined;
  try {
    return (error as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** Codes that one domain of a call causes: the other domains of the call may be purged without it. */
const HOST_SCOPED = new Set([
  "ResourceNotFound.CdnHostNotExists",
  "OperationDenied.ProductUpgraded",
  "OperationDenied.ProductUpdating",
  "InvalidParameter.HostNotFound",
  "InvalidParameter.CdnHostExistsInEdgeOne",
  "ResourceUnavailable.CdnHostIsNotOnline",
  "InvalidParameter.CdnHostInvalidStatus",
  "UnauthorizedOperation.CdnHostUnauthorized",
]);
/** Codes that one target of a call causes: the other targets may be purged without it. */
const TARGET_SCOPED = new Set([
  "InvalidParameter.CdnUrlExceedLength",
  "InvalidParameter.CdnPurgeWildcardNotAllowed",
  "InvalidParameter.Target",
]);

/**
 * What a failed call's error is about: one of its domains (`host`), one of its targets (`target`), or the call as
 * a whole (`call`: the account, the zone, the quota, the network). A call refused for one domain or target is
 * split, so that the rest of it is purged and only the culprit fails.
 */
export function failureScope(error: CdnApiError): "host" | "target" | "call" {
  if (HOST_SCOPED.has(error.code)) return "host";
  if (TARGET_SCOPED.has(error.code)) return "target";
  return "call";
}
