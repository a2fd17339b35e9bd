import { HOST_NOT_IN_ZONE, type LocalCloud, startLocalCloud } from "@cosfn/local-cloud";
import { testProvider } from "@cosfn/testing";
import { expect } from "vitest";
import { createEdgeOneProvider, type EdgeOneProviderOptions } from "../../src/providers/edgeone.ts";
import type { EdgeOneProvider } from "../../src/providers/types.ts";
import {
  acceptedTargets,
  cdnProviderContract,
  expectAccounted,
  localProviderOptions,
  type ProviderOverrides,
  type ProviderSubject,
  type PurgeKind,
  resetLocalCloud,
  urlsOn,
} from "./contract.ts";

const HOST = "static.example.com";
const ZONE = "zone-2o0i4sw5ctbq";
const SMALL_ZONE = "zone-small0daily";
const QUOTAS = {
  purge_url: { batch: 40, daily: 10_000 },
  purge_prefix: { batch: 8, daily: 100 },
  purge_host: { batch: 5, daily: 100 },
  purge_cache_tag: { batch: 5, daily: 100 },
  prefetch_url: { batch: 20, daily: 1000 },
};
const TYPES: Record<PurgeKind, { action: string; type?: string }> = {
  urls: { action: "CreatePurgeTask", type: "purge_url" },
  prefixes: { action: "CreatePurgeTask", type: "purge_prefix" },
  prefetch: { action: "CreatePrefetchTask" },
};

interface EdgeOneSubject extends ProviderSubject {
  provider: EdgeOneProvider;
  makeEdgeOne(options: Partial<EdgeOneProviderOptions>): EdgeOneProvider;
}

function subjectFor(cloud: LocalCloud): EdgeOneSubject {
  const makeEdgeOne = (options: Partial<EdgeOneProviderOptions> = {}, overrides: ProviderOverrides = {}) =>
    createEdgeOneProvider({
      ...localProviderOptions(cloud, overrides),
      zoneId: ZONE,
      method: "invalidate",
      ...options,
    });
  const make = (overrides: ProviderOverrides) => makeEdgeOne({}, overrides);
  const teoCalls = () => cloud.cloudApi.calls.filter((call) => call.service === "teo");
  return {
    provider: makeEdgeOne(),
    makeEdgeOne,
    make,
    cloud,
    host: HOST,
    unknownHost: "unknown.example.net",
    action: (kind) => `teo:${TYPES[kind].action}`,
    callsOf: (kind) =>
      teoCalls()
        .filter((call) => call.action === TYPES[kind].action && call.params.Type === TYPES[kind].type)
        .map((call) => ({ call, targets: call.params.Targets as string[] })),
    quotaReads: () => teoCalls().filter((call) => call.action === "DescribeContentQuota"),
    limits: {
      urls: { batch: QUOTAS.purge_url.batch, daily: QUOTAS.purge_url.daily },
      prefixes: { batch: QUOTAS.purge_prefix.batch, daily: QUOTAS.purge_prefix.daily },
    },
    usedUrls: () => cloud.cloudApi.usedByZone(ZONE, "purge_url") + cloud.cloudApi.usedByZone(SMALL_ZONE, "purge_url"),
    smallDaily: { daily: 130, code: "LimitExceeded.DailyQuota", make: () => makeEdgeOne({ zoneId: SMALL_ZONE }) },
    authCode: "AuthFailure.SignatureFailure",
  };
}

testProvider<EdgeOneSubject, LocalCloud>({
  name: "edgeone",
  kind: "CdnProvider",
  setup: () =>
    startLocalCloud({
      teoZones: [
        { zoneId: ZONE, hosts: [HOST, "*.example.org"], quotas: QUOTAS },
        { zoneId: SMALL_ZONE, hosts: [HOST], quotas: { ...QUOTAS, purge_url: { batch: 40, daily: 130 } } },
      ],
    }),
  teardown: (cloud) => cloud.close(),
  create: (cloud) => subjectFor(resetLocalCloud(cloud)),
  cases: cdnProviderContract,
  extra: [
    {
      name: "sends the zone's ZoneId on every call, and Method with prefix and host purges",
      async run(subject) {
        const provider = subject.makeEdgeOne({ method: "delete" });
        const [url] = urlsOn(HOST, 1) as [string];
        const prefix = `https://${HOST}/dir/`;
        await provider.purgeUrls([url]);
        await provider.purgePrefixes([prefix]);
        await provider.purgeHosts([HOST]);
        await provider.prefetch([url]);
        expect(subject.cloud.cloudApi.calls.map((call) => [call.action, call.params])).toEqual([
          ["DescribeContentQuota", { ZoneId: ZONE }],
          ["CreatePurgeTask", { ZoneId: ZONE, Type: "purge_url", Targets: [url] }],
          ["CreatePurgeTask", { ZoneId: ZONE, Type: "purge_prefix", Targets: [prefix], Method: "delete" }],
          ["CreatePurgeTask", { ZoneId: ZONE, Type: "purge_host", Targets: [HOST], Method: "delete" }],
          ["CreatePrefetchTask", { ZoneId: ZONE, Targets: [url] }],
        ]);
        await subject.provider.purgePrefixes([prefix]);
        expect(subject.cloud.cloudApi.calls.at(-1)?.params.Method).toBe("invalidate");
      },
    },
    {
      name: "targets in FailedList are failed, the rest of the call purged",
      async run(subject) {
        subject.cloud.cloudApi.failTargets("/flaky/", { reason: "internal error, try again" });
        const good = urlsOn(HOST, 3);
        const flaky = urlsOn(HOST, 2, "flaky");
        const outside = "https://elsewhere.example.net/a.png";
        const urls = [good[0], flaky[0], good[1], outside, flaky[1], good[2]] as string[];
        const outcome = await subject.provider.purgeUrls(urls);
        expectAccounted(outcome, urls);
        expect(outcome.calls).toBe(1);
        expect(outcome.purged).toEqual(good);
        expect(outcome.failed).toEqual([
          expect.objectContaining({ target: flaky[0], code: "TARGET_FAILED", retryable: true, quota: false }),
          expect.objectContaining({
            target: outside,
            code: "TARGET_FAILED",
            retryable: false,
            message: expect.stringContaining(HOST_NOT_IN_ZONE),
          }),
          expect.objectContaining({ target: flaky[1], code: "TARGET_FAILED", retryable: true }),
        ]);
        expect(outcome.failed[0]?.message).toMatch(new RegExp(`EdgeOne zone ${ZONE}.*internal error, try again`));
        expect(subject.cloud.cloudApi.usedByZone(ZONE, "purge_url")).toBe(3);
      },
    },
    {
      name: "a zone that does not exist fails every URL permanently, naming the zone and EDGEONE_ZONE_ID",
      async run(subject) {
        const provider = subject.makeEdgeOne({ zoneId: "zone-doesnotexist" });
        const urls = urlsOn(HOST, 3);
        const outcome = await provider.purgeUrls(urls);
        expect(outcome.purged).toEqual([]);
        for (const failure of outcome.failed)
          expect(failure).toMatchObject({
            code: "InvalidParameter.ZoneNotFound",
            retryable: false,
            message: expect.stringMatching(/zone-doesnotexist.*EDGEONE_ZONE_ID/s),
          });
        expect(outcome.failed.map((failure) => failure.target)).toEqual(urls);
        // One purge call: a zone is not split by host.
        expect(subject.callsOf("urls")).toHaveLength(1);
      },
    },
    {
      name: "purges hosts and cache tags, in batches of their own quotas",
      async run(subject) {
        const hosts = Array.from({ length: 6 }, (_, i) => `h${i}.example.org`);
        const byHost = await subject.provider.purgeHosts(hosts);
        expect(byHost).toMatchObject({ purged: hosts, failed: [], calls: 2 });
        const tags = ["product-1", "product-2"];
        const byTag = await subject.provider.purgeCacheTags(tags, [HOST]);
        expect(byTag).toMatchObject({ purged: tags, failed: [] });
        const calls = subject.cloud.cloudApi.calls.filter((call) => call.action === "CreatePurgeTask");
        expect(calls.map((call) => [call.params.Type, (call.params.Targets as string[]).length])).toEqual([
          ["purge_host", 5],
          ["purge_host", 1],
          ["purge_cache_tag", 2],
        ]);
        expect(calls.at(-1)?.params).toEqual({
          ZoneId: ZONE,
          Type: "purge_cache_tag",
          Targets: tags,
          CacheTag: { Domains: [HOST] },
        });
      },
    },
    {
      name: "quota() reads the plan's batch and daily limits of URLs, prefixes and prefetching",
      async run(subject) {
        await subject.provider.prefetch(urlsOn(HOST, 4));
        const quota = await subject.provider.quota();
        expect(quota).toEqual({
          urls: { batch: 40, dailyTotal: 10_000, dailyAvailable: 10_000 },
          prefixes: { batch: 8, dailyTotal: 100, dailyAvailable: 100 },
          prefetch: { batch: 20, dailyTotal: 1000, dailyAvailable: 1000 },
        });
        expect((await subject.provider.quota({ fresh: true })).prefetch?.dailyAvailable).toBe(996);
      },
    },
    {
      name: "ZoneId * purges without a readable quota: conservative batches, halved when the API refuses their size",
      async run(subject) {
        const provider = subject.makeEdgeOne({ zoneId: "*" });
        const urls = urlsOn(HOST, 150);
        const outcome = await provider.purgeUrls(urls);
        expect(outcome.purged).toEqual(urls);
        // The fallback batch is 100; the zone serving the host takes 40 a call: calls of 100 and 50 are refused
        // for their size and halved until they fit.
        const calls = subject.callsOf("urls");
        expect(
          calls
            .map(({ targets }) => targets.length)
            .slice(0, 2)
            .sort(),
        ).toEqual([100, 50]);
        for (const { call, targets } of calls)
          expect(call.error).toBe(targets.length > 40 ? "LimitExceeded.BatchQuota" : undefined);
        expect(acceptedTargets(subject, "urls").sort()).toEqual([...urls].sort());
        await expect(provider.quota()).rejects.toMatchObject({ code: "InvalidParameter.ZoneNotFound" });
      },
    },
    {
      name: "EdgeOne's own throttling code, LimitExceeded.RateLimitExceeded, is tried again",
      timeout: 20_000,
      async run(subject) {
        subject.cloud.cloudApi.throttle(2, { code: "LimitExceeded.RateLimitExceeded" });
        const provider = subject.make({ attempts: 12, backoff: { baseMs: 100, capMs: 1000 } });
        const urls = urlsOn(HOST, 40 * 3);
        const outcome = await provider.purgeUrls(urls);
        expect(outcome).toMatchObject({ purged: urls, failed: [] });
        expect(subject.cloud.cloudApi.calls.some((call) => call.error === "LimitExceeded.RateLimitExceeded")).toBe(
          true,
        );
        expect(acceptedTargets(subject, "urls").sort()).toEqual([...urls].sort());
      },
    },
  ],
});
