import { describe, expect, it } from "vitest";
import { type ApiWhere, failureScope, mapApiError, toApiError } from "../../src/providers/errors.ts";

const CDN: ApiWhere = { service: "cdn", area: "mainland", hosts: ["static.example.com"] };
const TEO: ApiWhere = { service: "edgeone", zone: "zone-2o0i4sw5ctbq", hosts: ["static.example.com"] };

// code, where, kind, transient, retryable, quota, a phrase the message must hold, scope
const TABLE: [string, ApiWhere, string, boolean, boolean, "batch" | "daily" | undefined, RegExp, string][] = [
  ["RequestLimitExceeded", CDN, "throttled", true, true, undefined, /20\/s/, "call"],
  ["RequestLimitExceeded.UinLimitExceeded", CDN, "throttled", true, true, undefined, /rate/, "call"],
  ["LimitExceeded.RateLimitExceeded", TEO, "throttled", true, true, undefined, /rate/, "call"],
  ["UnauthorizedOperation.OperationTooOften", CDN, "throttled", true, true, undefined, /rate/, "call"],
  ["InternalError", CDN, "internal", true, true, undefined, /temporary/, "call"],
  ["InternalError.RouteError", TEO, "internal", true, true, undefined, /temporary/, "call"],
  ["LimitExceeded.CdnPurgeUrlExceedBatchLimit", CDN, "quota", false, false, "batch", /DescribePurgeQuota/, "call"],
  ["LimitExceeded.CdnPurgeUrlExceedDayLimit", CDN, "quota", false, false, "daily", /today's quota/, "call"],
  ["LimitExceeded.CdnPurgePathExceedBatchLimit", CDN, "quota", false, false, "batch", /batch limit/, "call"],
  ["LimitExceeded.CdnPurgePathExceedDayLimit", CDN, "quota", false, false, "daily", /directory/, "call"],
  ["LimitExceeded.CdnPushExceedBatchLimit", CDN, "quota", false, false, "batch", /batch/, "call"],
  ["LimitExceeded.CdnPushExceedDayLimit", CDN, "quota", false, false, "daily", /tomorrow/, "call"],
  ["LimitExceeded.BatchQuota", TEO, "quota", false, false, "batch", /DescribeContentQuota/, "call"],
  ["LimitExceeded.DailyQuota", TEO, "quota", false, false, "daily", /DescribeContentQuota/, "call"],
  [
    "ResourceNotFound.CdnHostNotExists",
    CDN,
    "not-found",
    false,
    false,
    undefined,
    /add the domain to CDN or fix CDN_DOMAINS/,
    "host",
  ],
  ["InvalidParameter.ZoneNotFound", TEO, "not-found", false, false, undefined, /EDGEONE_ZONE_ID/, "call"],
  [
    "InvalidParameter.HostNotFound",
    TEO,
    "not-found",
    false,
    false,
    undefined,
    /add the domain to the EdgeOne zone/,
    "host",
  ],
  ["ResourceNotFound", TEO, "not-found", false, false, undefined, /EdgeOne/, "call"],
  [
    "OperationDenied.ProductUpgraded",
    CDN,
    "migrated",
    false,
    false,
    undefined,
    /set PROVIDER=edgeone and EDGEONE_ZONE_ID/,
    "host",
  ],
  ["OperationDenied.ProductUpdating", CDN, "migrated", false, false, undefined, /moved to EdgeOne/, "host"],
  ["OperationDenied.UserMigrating", CDN, "migrated", false, false, undefined, /moved to EdgeOne/, "call"],
  ["InvalidParameter.CdnHostExistsInEdgeOne", CDN, "migrated", false, false, undefined, /PROVIDER=edgeone/, "host"],
  [
    "UnauthorizedOperation.CdnHostUnauthorized",
    CDN,
    "unauthorized",
    false,
    false,
    undefined,
    /cam-policy\.json/,
    "host",
  ],
  ["AuthFailure.UnauthorizedOperation", TEO, "unauthorized", false, false, undefined, /teo actions/, "call"],
  ["ResourceUnavailable.CdnHostIsNotOnline", CDN, "offline", false, false, undefined, /offline/, "host"],
  ["InvalidParameter.CdnHostInvalidStatus", CDN, "offline", false, false, undefined, /offline/, "host"],
  ["InvalidParameter.CdnUrlExceedLength", CDN, "invalid", false, false, undefined, /invalid/, "target"],
  ["InvalidParameter.CdnPurgeWildcardNotAllowed", CDN, "invalid", false, false, undefined, /invalid/, "target"],
  ["InvalidParameter.Target", TEO, "invalid", false, false, undefined, /invalid/, "target"],
  ["InvalidParameter.CdnParamError", CDN, "invalid", false, false, undefined, /invalid/, "call"],
  ["LimitExceeded.PackNotAllow", TEO, "invalid", false, false, undefined, /invalid/, "call"],
  ["MissingParameter", TEO, "invalid", false, false, undefined, /invalid/, "call"],
  ["AuthFailure.SignatureFailure", CDN, "auth", false, false, undefined, /SecretId and SecretKey/, "call"],
  ["AuthFailure.SecretIdNotFound", TEO, "auth", false, false, undefined, /SecretKey/, "call"],
  ["AuthFailure.SignatureExpire", CDN, "auth", true, true, undefined, /SecretKey/, "call"],
  ["AuthFailure.TokenFailure", CDN, "token", false, true, undefined, /temporary credentials expired/, "call"],
  ["FailedOperation.Something", CDN, "unknown", false, true, undefined, /unexpected/, "call"],
];

describe("mapApiError: one classification of every Cloud API code", () => {
  it.each(TABLE)("%s", (code, where, kind, transient, retryable, quota, phrase, scope) => {
    const error = mapApiError(code, "the API's own words", where);
    expect(error).toMatchObject({ name: "CdnApiError", code, kind, transient, retryable, quota, where });
    expect(error.message).toMatch(phrase);
    expect(error.message).toContain("the API's own words");
    expect(error.message).toContain(
      where.service === "cdn" ? "CDN domain static.example.com (mainland)" : "EdgeOne zone zone-2o0i4sw5ctbq",
    );
    expect(failureScope(error)).toBe(scope);
  });
});

describe("toApiError: any failure of an SDK call", () => {
  it("keeps the API's code", () => {
    const sdk = Object.assign(new Error("quota"), { code: "LimitExceeded.DailyQuota", requestId: "r" });
    expect(toApiError(sdk, TEO)).toMatchObject({ code: "LimitExceeded.DailyQuota", quota: "daily", cause: sdk });
  });

  it("takes a failure without a code (the SDK wraps socket errors and timeouts so) as a transient network failure", () => {
    const error = toApiError(
      new Error("request to http://cdn.tencentcloudapi.com/ failed, reason: socket hang up"),
      CDN,
    );
    expect(error).toMatchObject({ code: "NETWORK", kind: "network", transient: true, retryable: true });
    expect(error.message).toContain("socket hang up");
    expect(toApiError(Object.assign(new Error("reset"), { code: "ECONNRESET" }), CDN)).toMatchObject({
      code: "NETWORK",
      transient: true,
    });
  });

  it("takes a 5xx or 429 as transient, another HTTP status as retryable only", () => {
    expect(toApiError(Object.assign(new Error("Service Unavailable"), { httpCode: 503 }), CDN)).toMatchObject({
      code: "HTTP_503",
      transient: true,
    });
    expect(toApiError(Object.assign(new Error("Forbidden"), { httpCode: 403 }), CDN)).toMatchObject({
      code: "HTTP_403",
      transient: false,
      retryable: true,
    });
  });

  it("names the domains, at most three, and the zone", () => {
    const many: ApiWhere = { service: "cdn", area: "overseas", hosts: ["a.com", "b.com", "c.com", "d.com", "e.com"] };
    expect(mapApiError("InternalError", "x", many).message).toMatch(
      /^CDN domains a\.com, b\.com, c\.com \(\+2 more\) \(overseas\)/,
    );
    expect(mapApiError("InternalError", "x", { service: "edgeone", zone: "zone-1" }).message).toMatch(
      /^EdgeOne zone zone-1: /,
    );
  });
});
