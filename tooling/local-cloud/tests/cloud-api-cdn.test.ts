import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CDN_LIMITS, type LocalCloud, startLocalCloud } from "../src/index.ts";
import { apiOutcome, cloudApiClients, numberedUrls } from "./cloud-api-clients.ts";

// The CDN API (2018-06-06) through the official SDK: the documented limits per call and per day and area, the
// quota answers, and each error of a domain's configuration.

let cloud: LocalCloud;
let cdn: ReturnType<typeof cloudApiClients>["cdn"];

const GLOBAL = "https://global.example.com/";
const MAINLAND = "https://cn.example.com/";
const OVERSEAS = "https://intl.example.com/";

beforeAll(async () => {
  cloud = await startLocalCloud({
    cdnDomains: [
      "global.example.com",
      { domain: "cn.example.com", area: "mainland" },
      { domain: "intl.example.com", area: "overseas" },
      { domain: "old.example.com", migrated: true },
      { domain: "moving.example.com", migrated: "updating" },
      { domain: "stopped.example.com", status: "offline" },
      { domain: "theirs.example.com", authorized: false },
    ],
  });
  cdn = cloudApiClients(cloud).cdn;
});
afterAll(() => cloud.close());
afterEach(() => cloud.cloudApi.reset());

const submit = {
  PurgeUrlsCache: (urls: string[], Area?: string) => cdn.PurgeUrlsCache({ Urls: urls, ...(Area && { Area }) }),
  PurgePathCache: (paths: string[], Area?: string) =>
    cdn.PurgePathCache({ Paths: paths, FlushType: "flush", ...(Area && { Area }) }),
  PushUrlsCache: (urls: string[], Area?: string) => cdn.PushUrlsCache({ Urls: urls, ...(Area && { Area }) }),
};

describe("CDN: limits per call", () => {
  it.each([
    ["PurgeUrlsCache", CDN_LIMITS.urlBatch, 1000, "LimitExceeded.CdnPurgeUrlExceedBatchLimit"],
    ["PurgePathCache", CDN_LIMITS.pathBatch, 500, "LimitExceeded.CdnPurgePathExceedBatchLimit"],
    ["PushUrlsCache", CDN_LIMITS.pushBatch, 500, "LimitExceeded.CdnPushExceedBatchLimit"],
  ] as const)("%s takes %i a call (documented %i), one more is %s", async (action, batch, documented, code) => {
    expect(batch).toBe(documented);
    // Paths are purged in mainland: its daily path quota (100) is below the batch, so the full batch goes to
    // a quota raised for the test; the batch check comes first either way.
    cloud.cloudApi.setCdnLimits({ pathDay: 1000 });
    expect(await apiOutcome(submit[action](numberedUrls(GLOBAL, batch, "/"), "mainland"))).toBe("ok");
    expect(await apiOutcome(submit[action](numberedUrls(GLOBAL, batch + 1, "/"), "mainland"))).toBe(code);
  });
});

describe("CDN: limits per day and area", () => {
  it.each([
    ["PurgeUrlsCache", "url", CDN_LIMITS.urlDay, CDN_LIMITS.urlBatch, "LimitExceeded.CdnPurgeUrlExceedDayLimit"],
    ["PurgePathCache", "path", CDN_LIMITS.pathDay, CDN_LIMITS.pathBatch, "LimitExceeded.CdnPurgePathExceedDayLimit"],
    ["PushUrlsCache", "push", CDN_LIMITS.pushDay, CDN_LIMITS.pushBatch, "LimitExceeded.CdnPushExceedDayLimit"],
  ] as const)("%s: %s quota %i a day in each area", async (action, kind, day, batch, code) => {
    for (const area of ["mainland", "overseas"] as const) {
      let sent = 0;
      while (sent < day) {
        const count = Math.min(batch, day - sent);
        expect(await apiOutcome(submit[action](numberedUrls(GLOBAL, count, `-${sent}/`), area))).toBe("ok");
        sent += count;
      }
      expect(cloud.cloudApi.used(`${kind}:${area}`)).toBe(day);
      expect(await apiOutcome(submit[action]([`${GLOBAL}one-more/`], area))).toBe(code);
      // The refused call spent nothing.
      expect(cloud.cloudApi.used(`${kind}:${area}`)).toBe(day);
    }
  });

  it("a call that would pass the daily quota is refused whole: nothing of it is spent", async () => {
    await submit.PurgePathCache(numberedUrls(GLOBAL, 99, "/"), "mainland");
    expect(await apiOutcome(submit.PurgePathCache(numberedUrls(GLOBAL, 2, "/x"), "mainland"))).toBe(
      "LimitExceeded.CdnPurgePathExceedDayLimit",
    );
    expect(cloud.cloudApi.used("path:mainland")).toBe(99);
    expect(await apiOutcome(submit.PurgePathCache([`${GLOBAL}last/`], "mainland"))).toBe("ok");
  });

  it("a push to global spends both areas' quotas (documented: 500 global leaves 500 in each)", async () => {
    await cdn.PushUrlsCache({ Urls: numberedUrls(GLOBAL, 500), Area: "global" });
    const quota = await cdn.DescribePushQuota();
    expect(quota.UrlPush).toEqual([
      { Area: "mainland", Batch: 500, Total: 1000, Available: 500 },
      { Area: "overseas", Batch: 500, Total: 1000, Available: 500 },
    ]);
  });

  it("a purge without Area covers the domain's acceleration areas; a push without Area is for mainland", async () => {
    await cdn.PurgeUrlsCache({ Urls: [`${GLOBAL}a`, `${MAINLAND}b`, `${OVERSEAS}c`] });
    expect([cloud.cloudApi.used("url:mainland"), cloud.cloudApi.used("url:overseas")]).toEqual([2, 2]);
    await cdn.PushUrlsCache({ Urls: [`${GLOBAL}a`, `${MAINLAND}b`] });
    expect([cloud.cloudApi.used("push:mainland"), cloud.cloudApi.used("push:overseas")]).toEqual([2, 0]);
  });

  it("DescribePurgeQuota answers each area's Batch, Total and what is Available after use", async () => {
    await cdn.PurgeUrlsCache({ Urls: numberedUrls(GLOBAL, 3), Area: "overseas" });
    await cdn.PurgePathCache({ Paths: [`${MAINLAND}dir/`], FlushType: "delete" });
    const quota = await cdn.DescribePurgeQuota();
    expect(quota.UrlPurge).toEqual([
      { Area: "mainland", Batch: 1000, Total: 10_000, Available: 10_000 },
      { Area: "overseas", Batch: 1000, Total: 10_000, Available: 9997 },
    ]);
    expect(quota.PathPurge).toEqual([
      { Area: "mainland", Batch: 500, Total: 100, Available: 99 },
      { Area: "overseas", Batch: 500, Total: 100, Available: 100 },
    ]);
  });

  it("limits set for a test are what DescribePurgeQuota answers, until reset", async () => {
    cloud.cloudApi.setCdnLimits({ urlDay: 5, urlBatch: 2 });
    expect(await apiOutcome(cdn.PurgeUrlsCache({ Urls: numberedUrls(GLOBAL, 3) }))).toBe(
      "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
    );
    expect((await cdn.DescribePurgeQuota()).UrlPurge?.[0]).toMatchObject({ Batch: 2, Total: 5, Available: 5 });
    cloud.cloudApi.reset();
    expect(cloud.cloudApi.cdnLimits).toEqual(CDN_LIMITS);
  });
});

describe("CDN: errors", () => {
  it.each([
    [
      "an unknown host",
      () => submit.PurgeUrlsCache(["https://nowhere.example.com/a"]),
      "ResourceNotFound.CdnHostNotExists",
    ],
    [
      "a domain upgraded to EdgeOne",
      () => submit.PurgeUrlsCache(["https://old.example.com/a"]),
      "OperationDenied.ProductUpgraded",
    ],
    [
      "a domain being upgraded",
      () => submit.PurgePathCache(["https://moving.example.com/d/"]),
      "OperationDenied.ProductUpdating",
    ],
    [
      "a domain the sub-account may not manage",
      () => submit.PushUrlsCache(["https://theirs.example.com/a"]),
      "UnauthorizedOperation.CdnHostUnauthorized",
    ],
    [
      "a purge of an offline domain",
      () => submit.PurgeUrlsCache(["https://stopped.example.com/a"]),
      "InvalidParameter.CdnHostInvalidStatus",
    ],
    [
      "a prefetch of an offline domain",
      () => submit.PushUrlsCache(["https://stopped.example.com/a"]),
      "ResourceUnavailable.CdnHostIsNotOnline",
    ],
    [
      "an Area the domain is not accelerated in",
      () => submit.PurgeUrlsCache([`${MAINLAND}a`], "overseas"),
      "InvalidParameter.CdnParamError",
    ],
    [
      "a push to mainland (the default) of an overseas domain",
      () => submit.PushUrlsCache([`${OVERSEAS}a`]),
      "InvalidParameter.CdnParamError",
    ],
    [
      "a push to global of a mainland domain",
      () => submit.PushUrlsCache([`${MAINLAND}a`], "global"),
      "InvalidParameter.CdnParamError",
    ],
    ["a purge Area of global", () => submit.PurgeUrlsCache([`${GLOBAL}a`], "global"), "InvalidParameter.CdnParamError"],
    [
      "a wildcard domain in a purge",
      () => submit.PurgeUrlsCache(["https://*.example.com/a"]),
      "InvalidParameter.CdnPurgeWildcardNotAllowed",
    ],
    [
      "a wildcard in a path purge",
      () => submit.PurgePathCache([`${GLOBAL}*/`]),
      "InvalidParameter.CdnPurgeWildcardNotAllowed",
    ],
    [
      "a wildcard in a prefetch",
      () => submit.PushUrlsCache([`${GLOBAL}*.png`]),
      "InvalidParameter.CdnPushWildcardNotAllowed",
    ],
    [
      "a URL over the length limit",
      () => submit.PurgeUrlsCache([`${GLOBAL}${"a".repeat(CDN_LIMITS.urlLength)}`]),
      "InvalidParameter.CdnUrlExceedLength",
    ],
    ["a URL without scheme", () => submit.PurgeUrlsCache(["global.example.com/a"]), "InvalidParameter.CdnParamError"],
    ["no URLs", () => submit.PurgeUrlsCache([]), "InvalidParameter.CdnParamError"],
    ["no FlushType", () => cdn.PurgePathCache({ Paths: [`${GLOBAL}d/`] } as never), "InvalidParameter.CdnParamError"],
    [
      "an unknown FlushType",
      () => cdn.PurgePathCache({ Paths: [`${GLOBAL}d/`], FlushType: "all" }),
      "InvalidParameter.CdnParamError",
    ],
    [
      "an UrlEncode that is not a boolean",
      () => cdn.PurgeUrlsCache({ Urls: [`${GLOBAL}a`], UrlEncode: "yes" as never }),
      "InvalidParameter.CdnParamError",
    ],
    [
      "more than 20 prefetch headers",
      () =>
        cdn.PushUrlsCache({
          Urls: [`${GLOBAL}a`],
          Headers: numberedUrls("X-H", 21).map((Name) => ({ Name, Value: "v" })),
        }),
      "InvalidParameter.CdnParamError",
    ],
  ])("%s", async (_, call, code) => {
    expect(await apiOutcome(call())).toBe(code);
    expect(cloud.cloudApi.calls.at(-1)?.error).toBe(code);
    // A failed call spends no quota, not even for its valid URLs.
    for (const kind of ["url", "path", "push"]) {
      for (const area of ["mainland", "overseas"]) expect(cloud.cloudApi.used(`${kind}:${area}`)).toBe(0);
    }
  });

  it("a failing URL refuses the whole call, its valid URLs included", async () => {
    expect(await apiOutcome(submit.PurgeUrlsCache([`${GLOBAL}ok`, "https://nowhere.example.com/a"]))).toBe(
      "ResourceNotFound.CdnHostNotExists",
    );
    expect(cloud.cloudApi.used("url:mainland")).toBe(0);
  });

  it("accepts UrlEncode, the prefetch's options and records every parameter", async () => {
    const params = {
      Urls: [`${GLOBAL}中文.png`],
      UrlEncode: true,
      Area: "overseas",
      Layer: "middle",
      ParseM3U8: false,
      UserAgent: "TencentCdn",
      Headers: [{ Name: "X-Token", Value: "t" }],
    };
    expect(await apiOutcome(cdn.PushUrlsCache(params))).toBe("ok");
    expect(cloud.cloudApi.calls.at(-1)).toMatchObject({ action: "PushUrlsCache", params });
  });
});

describe("CDN: the quota day", () => {
  it("quotas reset at 00:00 Beijing time (UTC+8)", async () => {
    let now = Date.parse("2024-05-01T15:59:00Z"); // 23:59 in Beijing
    const clocked = await startLocalCloud({ cdnDomains: ["global.example.com"], cloudApi: { clock: () => now } });
    try {
      const client = cloudApiClients(clocked).cdn;
      await client.PurgePathCache({ Paths: numberedUrls(GLOBAL, 100, "/"), FlushType: "flush", Area: "mainland" });
      expect(
        await apiOutcome(client.PurgePathCache({ Paths: [`${GLOBAL}x/`], FlushType: "flush", Area: "mainland" })),
      ).toBe("LimitExceeded.CdnPurgePathExceedDayLimit");
      now = Date.parse("2024-05-01T16:00:00Z"); // 00:00 on 2 May in Beijing, still 1 May in UTC
      expect(clocked.cloudApi.used("path:mainland")).toBe(0);
      expect((await client.DescribePurgeQuota()).PathPurge?.[0]?.Available).toBe(100);
    } finally {
      await clocked.close();
    }
  });
});
