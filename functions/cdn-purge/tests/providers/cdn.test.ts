import { type CloudApiCall, type LocalCloud, startLocalCloud } from "@cosfn/local-cloud";
import { testProvider } from "@cosfn/testing";
import { expect } from "vitest";
import { type CdnProviderOptions, createCdnProvider } from "../../src/providers/cdn.ts";
import type { CloudCredentials } from "../../src/providers/types.ts";
import {
  acceptedTargets,
  cdnProviderContract,
  localProviderOptions,
  type ProviderOverrides,
  type ProviderSubject,
  type PurgeKind,
  resetLocalCloud,
  urlsOn,
} from "./contract.ts";

const HOST = "static.example.com";
const OVERSEAS_HOST = "global.example.com";
const LIMITS = { urlBatch: 40, urlDay: 10_000, pathBatch: 8, pathDay: 100, pushBatch: 20, pushDay: 1000 };
const ACTIONS: Record<PurgeKind, { action: string; param: string }> = {
  urls: { action: "PurgeUrlsCache", param: "Urls" },
  prefixes: { action: "PurgePathCache", param: "Paths" },
  prefetch: { action: "PushUrlsCache", param: "Urls" },
};

interface CdnSubject extends ProviderSubject {
  makeCdn(options: Partial<CdnProviderOptions>): ReturnType<typeof createCdnProvider>;
}

function subjectFor(cloud: LocalCloud): CdnSubject {
  const makeCdn = (options: Partial<CdnProviderOptions> = {}, overrides: ProviderOverrides = {}) =>
    createCdnProvider({
      ...localProviderOptions(cloud, overrides),
      area: "mainland",
      urlEncode: true,
      flushType: "flush",
      ...options,
    });
  const make = (overrides: ProviderOverrides) => makeCdn({}, overrides);
  const calls = (action: string) =>
    cloud.cloudApi.calls.filter((call) => call.service === "cdn" && call.action === action);
  return {
    provider: makeCdn(),
    makeCdn,
    make,
    cloud,
    host: HOST,
    unknownHost: "unknown.example.net",
    action: (kind) => `cdn:${ACTIONS[kind].action}`,
    callsOf: (kind) =>
      calls(ACTIONS[kind].action).map((call) => ({ call, targets: call.params[ACTIONS[kind].param] as string[] })),
    quotaReads: () => calls("DescribePurgeQuota"),
    limits: {
      urls: { batch: LIMITS.urlBatch, daily: LIMITS.urlDay },
      prefixes: { batch: LIMITS.pathBatch, daily: LIMITS.pathDay },
    },
    usedUrls: () => cloud.cloudApi.used("url:mainland"),
    smallDaily: {
      daily: 130,
      code: "LimitExceeded.CdnPurgeUrlExceedDayLimit",
      make() {
        cloud.cloudApi.setCdnLimits({ urlDay: 130 });
        return makeCdn();
      },
    },
    authCode: "AuthFailure.SignatureFailure",
  };
}

const params = (call: CloudApiCall) => call.params;

testProvider<CdnSubject, LocalCloud>({
  name: "cdn",
  kind: "CdnProvider",
  setup: () =>
    startLocalCloud({
      cdnDomains: [
        { domain: HOST, area: "mainland" },
        { domain: OVERSEAS_HOST, area: "global" },
        { domain: "moved.example.com", migrated: true },
        { domain: "stopped.example.com", status: "offline" },
        { domain: "private.example.com", authorized: false },
      ],
      cloudApi: { cdnLimits: LIMITS },
    }),
  teardown: (cloud) => cloud.close(),
  create: (cloud) => subjectFor(resetLocalCloud(cloud)),
  cases: cdnProviderContract,
  extra: [
    {
      name: "sends Area, UrlEncode and FlushType as configured",
      async run(subject) {
        const provider = subject.makeCdn({ area: "overseas", urlEncode: false, flushType: "delete" });
        const url = `https://${OVERSEAS_HOST}/a b/中文.png`;
        const prefix = `https://${OVERSEAS_HOST}/dir/`;
        expect((await provider.purgeUrls([url])).purged).toEqual([url]);
        expect((await provider.purgePrefixes([prefix])).purged).toEqual([prefix]);
        expect(subject.callsOf("urls").map(({ call }) => params(call))).toEqual([
          { Urls: [url], Area: "overseas", UrlEncode: false },
        ]);
        expect(subject.callsOf("prefixes").map(({ call }) => params(call))).toEqual([
          { Paths: [prefix], FlushType: "delete", Area: "overseas", UrlEncode: false },
        ]);
        expect(subject.cloud.cloudApi.used("url:overseas")).toBe(1);
        expect(subject.cloud.cloudApi.used("url:mainland")).toBe(0);
        expect(subject.cloud.cloudApi.used("path:overseas")).toBe(1);
        await subject.provider.purgeUrls([`https://${HOST}/x.png`]);
        expect(subject.callsOf("urls").at(-1)?.call.params).toEqual({
          Urls: [`https://${HOST}/x.png`],
          Area: "mainland",
          UrlEncode: true,
        });
      },
    },
    {
      name: "reads the quota of the configured area, and a global prefetch's as the smaller of both",
      async run(subject) {
        const overseas = subject.makeCdn({ area: "overseas", prefetchArea: "global" });
        await overseas.purgeUrls(urlsOn(OVERSEAS_HOST, 3));
        await subject.provider.purgeUrls(urlsOn(HOST, 1));
        await overseas.prefetch(urlsOn(OVERSEAS_HOST, 2));
        expect(subject.callsOf("prefetch").map(({ call }) => call.params.Area)).toEqual(["global"]);
        const quota = await overseas.quota({ fresh: true });
        expect(quota.urls).toEqual({
          batch: LIMITS.urlBatch,
          dailyTotal: LIMITS.urlDay,
          dailyAvailable: LIMITS.urlDay - 3,
        });
        expect(quota.prefetch).toEqual({ batch: LIMITS.pushBatch, dailyTotal: 1000, dailyAvailable: 998 });
        expect(subject.cloud.cloudApi.used("push:mainland")).toBe(2);
        expect(subject.cloud.cloudApi.used("push:overseas")).toBe(2);
      },
    },
    {
      name: "prefetches in batches of DescribePushQuota's limit",
      async run(subject) {
        const urls = urlsOn(HOST, LIMITS.pushBatch + 1, "warm");
        const outcome = await subject.provider.prefetch(urls);
        expect(outcome.purged).toEqual(urls);
        expect(subject.callsOf("prefetch").map(({ targets }) => targets.length)).toEqual([LIMITS.pushBatch, 1]);
        expect(subject.cloud.cloudApi.calls.filter((call) => call.action === "DescribePushQuota")).toHaveLength(1);
      },
    },
    {
      name: "signs for and sends to cdn.intl.tencentcloudapi.com when international",
      async run(subject) {
        // A zero-latency fault matching the Host the local cloud saw counts the requests sent there.
        subject.cloud.faults.add({ fault: { kind: "latency", ms: 0 }, pattern: /^cdn\.intl\.tencentcloudapi\.com\// });
        const before = subject.cloud.faults.injected.latency;
        const provider = subject.makeCdn({ international: true });
        const urls = urlsOn(HOST, 2);
        expect((await provider.purgeUrls(urls)).purged).toEqual(urls);
        // DescribePurgeQuota and PurgeUrlsCache, both to the international host, both verified (TC3 signs the host).
        expect(subject.cloud.faults.injected.latency - before).toBe(2);
        expect(
          subject.cloud.cloudApi.calls.map((call) => `${call.service}:${call.action}:${call.error ?? "ok"}`),
        ).toEqual(["cdn:DescribePurgeQuota:ok", "cdn:PurgeUrlsCache:ok"]);
        await subject.provider.purgeUrls(urls);
        expect(subject.cloud.faults.injected.latency - before).toBe(2);
      },
    },
    {
      name: "a migrated, offline or unauthorized domain fails permanently with what to do; the others are purged",
      async run(subject) {
        const urls = ["moved", "stopped", "private"].map((name) => `https://${name}.example.com/a.png`);
        const good = urlsOn(HOST, 2);
        const outcome = await subject.provider.purgeUrls([...urls, ...good]);
        expect(outcome.purged).toEqual(good);
        const failure = (target: string) => outcome.failed.find((f) => f.target === target);
        expect(failure(urls[0] as string)).toMatchObject({
          code: "OperationDenied.ProductUpgraded",
          retryable: false,
          message: expect.stringMatching(/moved\.example\.com.*PROVIDER=edgeone and EDGEONE_ZONE_ID/s),
        });
        expect(failure(urls[1] as string)).toMatchObject({
          code: "InvalidParameter.CdnHostInvalidStatus",
          retryable: false,
          message: expect.stringContaining("stopped.example.com"),
        });
        expect(failure(urls[2] as string)).toMatchObject({
          code: "UnauthorizedOperation.CdnHostUnauthorized",
          retryable: false,
          message: expect.stringContaining("private.example.com"),
        });
        expect(acceptedTargets(subject, "urls")).toEqual(good);
      },
    },
    {
      name: "signs with temporary credentials read at each request; a stale token fails as retryable, not transient",
      async run() {
        const role = { secretId: "AKIDroleTemporary0000000000000000", secretKey: "roleTemporaryKey0000000000000000" };
        const cloud = await startLocalCloud({ credentials: [{ ...role, sessionToken: "token-2" }] });
        try {
          let current: CloudCredentials = { ...role, token: "token-1" };
          const provider = createCdnProvider({
            credentials: () => current,
            endpoint: cloud.endpoint,
            area: "mainland",
            urlEncode: true,
            flushType: "flush",
            rateLimit: 200,
            backoff: { baseMs: 1, capMs: 5 },
          });
          const urls = urlsOn(HOST, 2);
          const stale = await provider.purgeUrls(urls);
          expect(stale.failed.map((f) => [f.code, f.retryable])).toEqual([
            ["AuthFailure.TokenFailure", true],
            ["AuthFailure.TokenFailure", true],
          ]);
          expect(stale.failed[0]?.message).toMatch(/temporary credentials expired/);
          expect(stale.calls).toBe(1);
          current = { ...role, token: "token-2" };
          expect((await provider.purgeUrls(urls)).purged).toEqual(urls);
          expect(cloud.cloudApi.used("url:mainland")).toBe(2);
          expect(cloud.requests.entries.map((entry) => entry.secretId)).toContain(role.secretId);
        } finally {
          await cloud.close();
        }
      },
    },
    {
      name: "a URL too long fails alone; the rest of its call is purged",
      async run(subject) {
        const long = `https://${HOST}/${"x".repeat(1100)}`;
        const good = urlsOn(HOST, 5);
        const outcome = await subject.provider.purgeUrls([...good.slice(0, 2), long, ...good.slice(2)]);
        expect(outcome.purged).toEqual(good);
        expect(outcome.failed).toEqual([
          expect.objectContaining({ target: long, code: "InvalidParameter.CdnUrlExceedLength", retryable: false }),
        ]);
        expect(acceptedTargets(subject, "urls").sort()).toEqual([...good].sort());
      },
    },
    {
      name: "a batch limit smaller than the quota read splits the call again",
      async run(subject) {
        const urls = urlsOn(HOST, 30);
        await subject.provider.quota();
        subject.cloud.cloudApi.setCdnLimits({ urlBatch: 10 });
        const outcome = await subject.provider.purgeUrls(urls);
        expect(outcome.purged).toEqual(urls);
        expect(subject.callsOf("urls").map(({ call, targets }) => `${targets.length}:${call.error ?? "ok"}`)).toEqual([
          "30:LimitExceeded.CdnPurgeUrlExceedBatchLimit",
          "10:ok",
          "10:ok",
          "10:ok",
        ]);
        expect((await subject.provider.quota()).urls.batch).toBe(10);
      },
    },
  ],
});
