import type { CloudApiCall, LocalCloud } from "@cosfn/local-cloud";
import type { ProviderCase } from "@cosfn/testing";
import { expect } from "vitest";
import type { CdnProvider, ProviderCommonOptions, PurgeOutcome } from "../../src/providers/types.ts";

/** The three kinds of call every CdnProvider makes. */
export type PurgeKind = "urls" | "prefixes" | "prefetch";

/** Settings a case may change on a provider of its own (the subject's `make`). */
export interface ProviderOverrides {
  secretKey?: string;
  rateLimit?: number;
  attempts?: number;
  concurrency?: number;
  backoff?: { baseMs?: number; capMs?: number };
}

/** What the CdnProvider contract runs against: a provider, its local cloud, and how to read what it recorded. */
export interface ProviderSubject {
  provider: CdnProvider;
  cloud: LocalCloud;
  /** A domain the account (or zone) serves, and one it does not. */
  host: string;
  unknownHost: string;
  /** Another provider on the same cloud, with other settings. */
  make(overrides: ProviderOverrides): CdnProvider;
  /** The action of a kind, for `cloud.cloudApi.fail` (`cdn:PurgeUrlsCache`). */
  action(kind: PurgeKind): string;
  /** The recorded calls of a kind (failed ones included) and the targets each carried. */
  callsOf(kind: PurgeKind): { call: CloudApiCall; targets: string[] }[];
  /** The recorded quota reads (DescribePurgeQuota / DescribeContentQuota). */
  quotaReads(): CloudApiCall[];
  /** The limits the local cloud was set up with, per call and per day, for URLs and prefixes. */
  limits: { urls: { batch: number; daily: number }; prefixes: { batch: number; daily: number } };
  /** How much of today's URL purge quota the local cloud counts as used. */
  usedUrls(): number;
  /** A provider whose daily URL purge quota is `daily` (unused), and the quota-refusal code of its API. */
  smallDaily: { make(): CdnProvider; daily: number; code: string };
  /** The code of an authentication failure with a wrong SecretKey. */
  authCode: string;
}

type Case = ProviderCase<ProviderSubject, unknown>;

/**
 * What every provider under test shares: the local cloud's endpoint and credentials (a wrong SecretKey when a
 * case asks), a fast rate and short backoffs unless the case sets them.
 */
export function localProviderOptions(cloud: LocalCloud, overrides: ProviderOverrides = {}): ProviderCommonOptions {
  const [credentials] = cloud.credentials;
  if (!credentials) throw new Error("the local cloud has no credentials");
  const { secretKey = credentials.secretKey, ...rest } = overrides;
  return {
    credentials: { secretId: credentials.secretId, secretKey },
    endpoint: cloud.endpoint,
    rateLimit: 200,
    backoff: { baseMs: 10, capMs: 100 },
    ...rest,
  };
}

/** Forgets the cloud's recorded calls, quotas used, changed limits, throttling and faults: no case sees another's. */
export function resetLocalCloud(cloud: LocalCloud): LocalCloud {
  cloud.cloudApi.reset();
  cloud.faults.clear();
  return cloud;
}

/** `count` distinct URLs on `host`. */
export function urlsOn(host: string, count: number, path = "img"): string[] {
  return Array.from({ length: count }, (_, i) => `https://${host}/${path}/${i}.png`);
}

/** The targets of the calls of a kind that the local cloud answered without an error, flattened. */
export function acceptedTargets(subject: ProviderSubject, kind: PurgeKind): string[] {
  return subject
    .callsOf(kind)
    .filter(({ call }) => call.error === undefined)
    .flatMap(({ targets }) => targets);
}

/** Every distinct target is in purged or failed, exactly once. */
export function expectAccounted(outcome: PurgeOutcome, targets: readonly string[]): void {
  const distinctTargets = [...new Set(targets)];
  const seen = [...outcome.purged, ...outcome.failed.map((failure) => failure.target)];
  expect([...seen].sort()).toEqual([...distinctTargets].sort());
  expect(new Set(seen).size).toBe(seen.length);
}

/** What every CdnProvider does, on CDN or EdgeOne. */
export const cdnProviderContract: readonly Case[] = [
  {
    name: "purges a list of URLs in the fewest calls the batch limit allows, and the API received exactly those URLs",
    async run(subject) {
      const { batch } = (await subject.provider.quota()).urls;
      expect(batch).toBe(subject.limits.urls.batch);
      const urls = urlsOn(subject.host, batch * 2 + 7);
      const outcome = await subject.provider.purgeUrls(urls);
      expect(outcome.purged).toEqual(urls);
      expect(outcome.failed).toEqual([]);
      const calls = subject.callsOf("urls");
      expect(calls).toHaveLength(3);
      expect(outcome.calls).toBe(3);
      expect(outcome.tasks).toHaveLength(3);
      expect(calls.map(({ targets }) => targets.length).sort((a, b) => b - a)).toEqual([batch, batch, 7]);
      expect(acceptedTargets(subject, "urls").sort()).toEqual([...urls].sort());
      expect(subject.usedUrls()).toBe(urls.length);
    },
  },
  {
    name: "sends each URL once however often it is listed, and sends nothing for an empty list",
    async run(subject) {
      const [a, b] = urlsOn(subject.host, 2) as [string, string];
      const outcome = await subject.provider.purgeUrls([a, b, a, a, b]);
      expect(outcome.purged).toEqual([a, b]);
      expect(outcome.failed).toEqual([]);
      expect(subject.callsOf("urls").map(({ targets }) => targets)).toEqual([[a, b]]);
      expect(await subject.provider.purgeUrls([])).toEqual({ calls: 0, tasks: [], purged: [], failed: [] });
      expect(subject.callsOf("urls")).toHaveLength(1);
    },
  },
  {
    name: "purges directory prefixes in batches of the prefix limit",
    async run(subject) {
      const { batch } = (await subject.provider.quota()).prefixes;
      expect(batch).toBe(subject.limits.prefixes.batch);
      const prefixes = Array.from({ length: batch + 1 }, (_, i) => `https://${subject.host}/dir-${i}/`);
      const outcome = await subject.provider.purgePrefixes([...prefixes, prefixes[0] as string]);
      expect(outcome.purged).toEqual(prefixes);
      expect(outcome.failed).toEqual([]);
      expect(subject.callsOf("prefixes").map(({ targets }) => targets.length)).toEqual([batch, 1]);
      expect(acceptedTargets(subject, "prefixes")).toEqual(prefixes);
      expect(subject.callsOf("urls")).toEqual([]);
    },
  },
  {
    name: "prefetches URLs",
    async run(subject) {
      const urls = urlsOn(subject.host, 3, "warm");
      const outcome = await subject.provider.prefetch(urls);
      expect(outcome).toMatchObject({ purged: urls, failed: [] });
      expect(outcome.tasks).toHaveLength(1);
      expect(acceptedTargets(subject, "prefetch")).toEqual(urls);
      expect(subject.callsOf("urls")).toEqual([]);
    },
  },
  {
    name: "quota() answers the local cloud's numbers, read once for the warm instance, and again with fresh",
    async run(subject) {
      const first = await subject.provider.quota();
      expect(first.urls).toEqual({
        batch: subject.limits.urls.batch,
        dailyTotal: subject.limits.urls.daily,
        dailyAvailable: subject.limits.urls.daily,
      });
      expect(first.prefixes).toMatchObject({
        batch: subject.limits.prefixes.batch,
        dailyTotal: subject.limits.prefixes.daily,
      });
      const reads = subject.quotaReads().length;
      await subject.provider.purgeUrls(urlsOn(subject.host, 5));
      expect(await subject.provider.quota()).toEqual(first);
      expect(subject.quotaReads()).toHaveLength(reads);
      const fresh = await subject.provider.quota({ fresh: true });
      expect(fresh.urls.dailyAvailable).toBe(subject.limits.urls.daily - 5);
      expect(subject.quotaReads().length).toBeGreaterThan(reads);
    },
  },
  {
    name: "a throttled account still purges every URL: throttled calls are tried again",
    timeout: 30_000,
    async run(subject) {
      subject.cloud.cloudApi.throttle(3);
      const provider = subject.make({ rateLimit: 50, attempts: 12, backoff: { baseMs: 100, capMs: 1000 } });
      const { batch } = subject.limits.urls;
      const urls = urlsOn(subject.host, batch * 5);
      const outcome = await provider.purgeUrls(urls);
      expect(outcome.failed).toEqual([]);
      expect(outcome.purged).toEqual(urls);
      const calls = subject.callsOf("urls");
      expect(calls.filter(({ call }) => call.error === "RequestLimitExceeded").length).toBeGreaterThan(0);
      expect(outcome.calls).toBe(calls.length);
      expect(acceptedTargets(subject, "urls").sort()).toEqual([...urls].sort());
    },
  },
  {
    name: "internal errors and dropped connections are tried again; past the attempts the URLs fail as retryable",
    async run(subject) {
      const provider = subject.make({ attempts: 3, backoff: { baseMs: 5, capMs: 20 } });
      const action = subject.action("urls");
      subject.cloud.cloudApi.fail({ action, code: "InternalError", times: 1 });
      subject.cloud.faults.add({ fault: { kind: "reset" }, pattern: /tencentcloudapi\.com/, times: 1 });
      const urls = urlsOn(subject.host, 2);
      expect(await provider.purgeUrls(urls)).toMatchObject({ purged: urls, failed: [] });
      subject.cloud.cloudApi.fail({ action, code: "InternalError.RouteError" });
      const more = urlsOn(subject.host, 2, "more");
      const outcome = await provider.purgeUrls(more);
      expect(outcome.purged).toEqual([]);
      expect(outcome.calls).toBe(3);
      expect(outcome.failed).toEqual(
        more.map((target) => ({
          target,
          code: "InternalError.RouteError",
          message: expect.stringContaining(subject.host),
          retryable: true,
          quota: false,
        })),
      );
    },
  },
  {
    name: "a daily quota spent mid-list: what fits is purged, the rest failed with quota: true, nothing lost",
    async run(subject) {
      const { daily, code } = subject.smallDaily;
      const provider = subject.smallDaily.make();
      const urls = urlsOn(subject.host, daily + 70);
      const outcome = await provider.purgeUrls(urls);
      expectAccounted(outcome, urls);
      expect(outcome.purged).toHaveLength(daily);
      expect(outcome.failed).toHaveLength(70);
      for (const failure of outcome.failed)
        expect(failure).toMatchObject({ code, quota: true, retryable: false, message: expect.stringMatching(/quota/) });
      // What the provider reports purged is what the API accepted, and the API accepted no more.
      expect(acceptedTargets(subject, "urls").sort()).toEqual([...outcome.purged].sort());
      const again = await provider.purgeUrls(urlsOn(subject.host, 3, "later"));
      expect(again.failed.map((failure) => failure.quota)).toEqual([true, true, true]);
    },
  },
  {
    name: "a domain the account does not serve fails permanently, named, and the other domains' URLs are purged",
    async run(subject) {
      const good = urlsOn(subject.host, 4);
      const bad = urlsOn(subject.unknownHost, 2);
      const urls = [good[0], bad[0], good[1], good[2], bad[1], good[3]] as string[];
      const outcome = await subject.provider.purgeUrls(urls);
      expect(outcome.purged).toEqual(good);
      expect(outcome.failed.map((failure) => failure.target)).toEqual(bad);
      for (const failure of outcome.failed) {
        expect(failure.retryable).toBe(false);
        expect(failure.quota).toBe(false);
        expect(failure.message).toContain(subject.unknownHost);
      }
      expect(acceptedTargets(subject, "urls")).toEqual(expect.arrayContaining(good));
    },
  },
  {
    name: "a wrong secret key fails every URL permanently as an authentication failure, and nothing is purged",
    async run(subject) {
      const provider = subject.make({ secretKey: "not-the-secret-key" });
      const urls = urlsOn(subject.host, 3);
      const outcome = await provider.purgeUrls(urls);
      expect(outcome.purged).toEqual([]);
      expect(outcome.failed.map((failure) => failure.target)).toEqual(urls);
      for (const failure of outcome.failed)
        expect(failure).toMatchObject({ code: subject.authCode, retryable: false, quota: false });
      expect(outcome.failed[0]?.message).toMatch(/SecretKey/);
      expect(subject.usedUrls()).toBe(0);
      expect(subject.cloud.requests.filter((entry) => entry.errorCode === subject.authCode).length).toBeGreaterThan(0);
      await expect(provider.quota()).rejects.toMatchObject({ code: subject.authCode, retryable: false });
    },
  },
  {
    name: "when the signal aborts, what finished is returned and the rest failed as retryable DEADLINE",
    async run(subject) {
      // Four requests a second, one at a time: calls go at about 250 ms and 500 ms, and the abort at 600 ms
      // finds the provider waiting for its next turn.
      const provider = subject.make({ concurrency: 1, rateLimit: 4 });
      await provider.quota();
      const { batch } = subject.limits.urls;
      const urls = urlsOn(subject.host, batch * 6);
      const started = Date.now();
      const outcome = await provider.purgeUrls(urls, { signal: AbortSignal.timeout(600) });
      expect(Date.now() - started).toBeLessThan(1000);
      expectAccounted(outcome, urls);
      expect(outcome.purged).toHaveLength(batch * 2);
      expect(outcome.failed).toHaveLength(batch * 4);
      for (const failure of outcome.failed) expect(failure).toMatchObject({ code: "DEADLINE", retryable: true });
      expect(acceptedTargets(subject, "urls").sort()).toEqual([...outcome.purged].sort());
      await expect(provider.quota({ fresh: true, signal: AbortSignal.abort(new Error("stop")) })).rejects.toThrow(
        "stop",
      );
    },
  },
  {
    name: "a target that is not a URL with a scheme fails without a call; the others are purged",
    async run(subject) {
      const good = urlsOn(subject.host, 1);
      const outcome = await subject.provider.purgeUrls([...good, "/no/scheme.png"]);
      expect(outcome.purged).toEqual(good);
      expect(outcome.failed).toEqual([
        expect.objectContaining({ target: "/no/scheme.png", code: "INVALID_TARGET", retryable: false }),
      ]);
      expect(acceptedTargets(subject, "urls")).toEqual(good);
    },
  },
];
