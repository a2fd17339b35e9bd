import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CDN_LIMITS, type LocalCloud, startLocalCloud } from "../src/index.ts";
import { cloudApiClients } from "./cloud-api-clients.ts";

let cloud: LocalCloud;

function clients(overrides: { secretKey?: string; token?: string } = {}) {
  return cloudApiClients(cloud, overrides);
}

beforeAll(async () => {
  cloud = await startLocalCloud({ cdnDomains: ["static.example.com"], teoZones: ["zone-2o0i4sw5ctbq"] });
});
afterAll(() => cloud.close());
afterEach(() => {
  cloud.cloudApi.reset();
  cloud.faults.clear();
});

describe("Cloud API 3.0: CDN", () => {
  it("purges URLs through the official SDK and records the call", async () => {
    const { cdn } = clients();
    const result = await cdn.PurgeUrlsCache({
      Urls: ["https://static.example.com/a.png", "https://static.example.com/b c.png"],
      Area: "mainland",
      UrlEncode: true,
    });
    expect(result.TaskId).toMatch(/^[0-9a-f]+-[0-9a-f]{8}$/);
    expect(result.RequestId).toBeTruthy();
    expect(cloud.cloudApi.calls).toEqual([
      expect.objectContaining({
        service: "cdn",
        action: "PurgeUrlsCache",
        version: "2018-06-06",
        params: {
          Urls: ["https://static.example.com/a.png", "https://static.example.com/b c.png"],
          Area: "mainland",
          UrlEncode: true,
        },
      }),
    ]);
    expect(cloud.cloudApi.used("url:mainland")).toBe(2);
  });

  it("purges paths and reports the quota left", async () => {
    const { cdn } = clients();
    await cdn.PurgePathCache({ Paths: ["https://static.example.com/img/"], FlushType: "flush" });
    const quota = await cdn.DescribePurgeQuota();
    expect(quota.UrlPurge?.find((q) => q.Area === "mainland")).toMatchObject({
      Batch: 1000,
      Total: 10_000,
      Available: 10_000,
    });
    expect(quota.PathPurge?.find((q) => q.Area === "mainland")).toMatchObject({
      Batch: 500,
      Total: 100,
      Available: 99,
    });
  });

  it("answers the API's errors: batch limit, day limit, wildcard, unknown domain", async () => {
    const { cdn } = clients();
    const tooMany = Array.from({ length: 1001 }, (_, i) => `https://static.example.com/${i}`);
    await expect(cdn.PurgeUrlsCache({ Urls: tooMany })).rejects.toMatchObject({
      code: "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
    });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/*"] })).rejects.toMatchObject({
      code: "InvalidParameter.CdnPurgeWildcardNotAllowed",
    });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://other.example.com/a"] })).rejects.toMatchObject({
      code: "ResourceNotFound.CdnHostNotExists",
    });
    const batch = Array.from({ length: 1000 }, (_, i) => `https://static.example.com/${i}`);
    for (let i = 0; i < CDN_LIMITS.urlDay / 1000; i++) await cdn.PurgeUrlsCache({ Urls: batch, Area: "overseas" });
    await expect(
      cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/x"], Area: "overseas" }),
    ).rejects.toMatchObject({
      code: "LimitExceeded.CdnPurgeUrlExceedDayLimit",
    });
    // The other area has its own quota.
    await cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/x"], Area: "mainland" });
    const paths = Array.from({ length: CDN_LIMITS.pathBatch + 1 }, (_, i) => `https://static.example.com/${i}/`);
    await expect(cdn.PurgePathCache({ Paths: paths, FlushType: "flush" })).rejects.toMatchObject({
      code: "LimitExceeded.CdnPurgePathExceedBatchLimit",
    });
  });

  it("throttles past N requests a second with RequestLimitExceeded", async () => {
    const { cdn } = clients();
    cloud.cloudApi.throttle(3);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/t"] })),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "ok"));
    expect(codes.filter((c) => c === "ok")).toHaveLength(3);
    expect(codes.filter((c) => c === "RequestLimitExceeded")).toHaveLength(2);
  });

  it("fails chosen calls", async () => {
    const { cdn } = clients();
    cloud.cloudApi.fail({ action: "cdn:PurgeUrlsCache", code: "InternalError.RouteError", times: 1 });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/f"] })).rejects.toMatchObject({
      code: "InternalError.RouteError",
    });
    await cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/f"] });
    expect(cloud.cloudApi.calls.map((c) => c.error ?? "ok")).toEqual(["InternalError.RouteError", "ok"]);
  });

  it("verifies TC3 signatures", async () => {
    const { cdn } = clients({ secretKey: "wrong" });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/a"] })).rejects.toMatchObject({
      code: "AuthFailure.SignatureFailure",
    });
    expect(cloud.cloudApi.used("url:mainland")).toBe(0);
  });

  it("answers 503 and resets when faults are injected", async () => {
    const { cdn } = clients();
    cloud.faults.add({ fault: { kind: "unavailable" }, pattern: /tencentcloudapi/, times: 1 });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/a"] })).rejects.toMatchObject({
      httpCode: 503,
    });
    cloud.faults.add({ fault: { kind: "reset" }, pattern: /tencentcloudapi/, times: 1 });
    await expect(cdn.PurgeUrlsCache({ Urls: ["https://static.example.com/a"] })).rejects.toThrow();
    expect(cloud.cloudApi.used("url:mainland")).toBe(0);
  });
});

describe("Cloud API 3.0: EdgeOne", () => {
  it("creates purge and prefetch tasks and records them", async () => {
    const { teo } = clients();
    const purge = await teo.CreatePurgeTask({
      ZoneId: "zone-2o0i4sw5ctbq",
      Type: "purge_url",
      Method: "invalidate",
      Targets: ["https://a.example.com/x.png"],
    });
    expect(purge.JobId).toMatch(/^job-/);
    expect(purge.FailedList).toEqual([]);
    await teo.CreatePrefetchTask({ ZoneId: "zone-2o0i4sw5ctbq", Targets: ["https://a.example.com/x.png"] });
    expect(cloud.cloudApi.calls.map((c) => `${c.service}:${c.action}:${c.version}`)).toEqual([
      "teo:CreatePurgeTask:2022-09-01",
      "teo:CreatePrefetchTask:2022-09-01",
    ]);
    await expect(
      teo.CreatePurgeTask({ ZoneId: "zone-unknown", Type: "purge_url", Targets: ["https://a.example.com/"] }),
    ).rejects.toMatchObject({
      code: "InvalidParameter.ZoneNotFound",
    });
    await expect(
      teo.CreatePurgeTask({ ZoneId: "zone-2o0i4sw5ctbq", Type: "purge_everything", Targets: ["x"] }),
    ).rejects.toMatchObject({
      code: "InvalidParameter.ParameterError",
    });
  });
});
