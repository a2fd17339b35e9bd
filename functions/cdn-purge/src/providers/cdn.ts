import { Client } from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_client.js";
import type {
  DescribePurgeQuotaResponse,
  DescribePushQuotaResponse,
  PurgePathCacheRequest,
  PurgePathCacheResponse,
  PurgeUrlsCacheRequest,
  PurgeUrlsCacheResponse,
  PushUrlsCacheRequest,
  PushUrlsCacheResponse,
  Quota,
} from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_models.js";
import { type BatchLimits, distinct, purgeInBatches, urlHost, urlProblem } from "./batches.ts";
import { callAction, cloudApiClientConfig } from "./cloud-api-client.ts";
import { type ApiWhere, CdnApiError } from "./errors.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { cachedRead, callWithRetry, retryPolicy } from "./retry.ts";
import type { CallOptions, CdnProvider, ProviderCommonOptions, PurgeLimits, PurgeQuota } from "./types.ts";

export interface CdnProviderOptions extends ProviderCommonOptions {
  /** Sign for and send to `cdn.intl.tencentcloudapi.com` (international accounts). */
  international?: boolean | undefined;
  /** The domains' acceleration area: `Area` of every purge, and the quota read. */
  area: "mainland" | "overseas";
  /** `UrlEncode` of every call: the API encodes non-ASCII characters in the URLs. */
  urlEncode: boolean;
  /** `FlushType` of PurgePathCache: `flush` (what changed) or `delete` (everything under the path). */
  flushType: "flush" | "delete";
  /** `Area` of PushUrlsCache; `global` spends both areas' quotas. Default: `area`. */
  prefetchArea?: "mainland" | "overseas" | "global" | undefined;
}

/** REFERENCE §3: the documented limits, for when DescribePurgeQuota cannot be read (the role may not ask). */
export const CDN_DOCUMENTED_BATCH = { urls: 1000, paths: 500, push: 500 } as const;

/**
 * A CdnProvider on Tencent Cloud CDN (API 2018-06-06): PurgeUrlsCache, PurgePathCache, PushUrlsCache, and
 * DescribePurgeQuota for the limits of `area`. One SDK client and one rate limiter per provider: build it once
 * per warm instance.
 */
export function createCdnProvider(options: CdnProviderOptions): CdnProvider {
  const host = options.international ? "cdn.intl.tencentcloudapi.com" : "cdn.tencentcloudapi.com";
  const client = new Client(
    cloudApiClientConfig({
      credentials: options.credentials,
      host,
      endpoint: options.endpoint,
      timeoutSeconds: options.timeoutSeconds,
    }),
  );
  const limiter = createRateLimiter({ perSecond: options.rateLimit });
  const policy = retryPolicy(options);
  const concurrency = options.concurrency ?? 4;
  const { area, urlEncode, flushType } = options;
  const prefetchArea = options.prefetchArea ?? area;
  const where = (targets: readonly string[], callArea: string = area): ApiWhere => ({
    service: "cdn",
    area: callArea,
    hosts: distinct(targets.map((target) => urlHost(target) ?? target)),
  });

  const quotaWhere: ApiWhere = { service: "cdn", area };
  /** The `Quota` of each area named, folded into one: `global` prefetches spend both areas' quotas. */
  const limitsIn = (list: Quota[] | undefined, areas: readonly string[], name: string): PurgeLimits => {
    const entries = areas.map((wanted) => list?.find((item) => item.Area === wanted));
    if (entries.length === 0 || entries.some((entry) => entry === undefined))
      throw new CdnApiError("QUOTA_UNKNOWN", `CDN (${areas.join(", ")}): the API reported no ${name} for it`, {
        kind: "unknown",
        where: quotaWhere,
        retryable: true,
      });
    const found = entries as Quota[];
    return {
      batch: Math.min(...found.map((entry) => entry.Batch)),
      dailyTotal: Math.min(...found.map((entry) => entry.Total)),
      dailyAvailable: Math.min(...found.map((entry) => entry.Available)),
    };
  };
  const prefetchAreas = prefetchArea === "global" ? ["mainland", "overseas"] : [prefetchArea];
  const purgeQuota = cachedRead(async (signal) => {
    const answer = await callWithRetry(
      (callSignal) => callAction<DescribePurgeQuotaResponse>(client, "DescribePurgeQuota", {}, callSignal),
      { limiter, policy, where: quotaWhere, signal },
    );
    return {
      urls: limitsIn(answer.UrlPurge, [area], "UrlPurge"),
      prefixes: limitsIn(answer.PathPurge, [area], "PathPurge"),
    };
  });
  const pushQuota = cachedRead(async (signal) => {
    const answer = await callWithRetry(
      (callSignal) => callAction<DescribePushQuotaResponse>(client, "DescribePushQuota", {}, callSignal),
      { limiter, policy, where: { service: "cdn", area: prefetchArea }, signal },
    );
    return limitsIn(answer.UrlPush, prefetchAreas, "UrlPush");
  });
  const quota = async (quotaOptions: CallOptions & { fresh?: boolean } = {}): Promise<PurgeQuota> => {
    const { fresh = false, signal } = quotaOptions;
    const [purge, push] = await Promise.all([
      purgeQuota(fresh, signal),
      // Prefetching's quota is optional: a role without cdn:DescribePushQuota still gets the purge quotas.
      pushQuota(fresh, signal).catch((error: unknown) => {
        signal?.throwIfAborted();
        return error instanceof CdnApiError ? undefined : Promise.reject(error);
      }),
    ]);
    return { ...purge, ...(push && { prefetch: push }) };
  };
  const asBatch = (limits: PurgeLimits): BatchLimits => ({
    batch: Math.max(1, limits.batch),
    dailyAvailable: limits.dailyAvailable,
  });
  const common = { limiter, policy, concurrency, where, hostOf: urlHost, check: urlProblem };

  return {
    kind: "cdn",
    quota,
    async purgeUrls(urls, callOptions = {}) {
      return purgeInBatches(urls, {
        ...common,
        signal: callOptions.signal,
        limits: async (fresh, signal) => asBatch((await purgeQuota(fresh, signal)).urls),
        fallbackBatch: CDN_DOCUMENTED_BATCH.urls,
        send: async (Urls, signal) => {
          const params: PurgeUrlsCacheRequest = { Urls, Area: area, UrlEncode: urlEncode };
          const answer = await callAction<PurgeUrlsCacheResponse>(client, "PurgeUrlsCache", params, signal);
          return { task: answer.TaskId };
        },
      });
    },
    async purgePrefixes(prefixes, callOptions = {}) {
      return purgeInBatches(prefixes, {
        ...common,
        signal: callOptions.signal,
        limits: async (fresh, signal) => asBatch((await purgeQuota(fresh, signal)).prefixes),
        fallbackBatch: CDN_DOCUMENTED_BATCH.paths,
        send: async (Paths, signal) => {
          const params: PurgePathCacheRequest = { Paths, FlushType: flushType, Area: area, UrlEncode: urlEncode };
          const answer = await callAction<PurgePathCacheResponse>(client, "PurgePathCache", params, signal);
          return { task: answer.TaskId };
        },
      });
    },
    async prefetch(urls, callOptions = {}) {
      return purgeInBatches(urls, {
        ...common,
        where: (targets) => where(targets, prefetchArea),
        signal: callOptions.signal,
        limits: async (fresh, signal) => asBatch(await pushQuota(fresh, signal)),
        fallbackBatch: CDN_DOCUMENTED_BATCH.push,
        send: async (Urls, signal) => {
          const params: PushUrlsCacheRequest = { Urls, Area: prefetchArea, UrlEncode: urlEncode };
          const answer = await callAction<PushUrlsCacheResponse>(client, "PushUrlsCache", params, signal);
          return { task: answer.TaskId };
        },
      });
    },
  };
}
