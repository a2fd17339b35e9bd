import { Client } from "tencentcloud-sdk-nodejs-teo/tencentcloud/services/teo/v20220901/teo_client.js";
import type {
  CreatePrefetchTaskRequest,
  CreatePrefetchTaskResponse,
  CreatePurgeTaskRequest,
  CreatePurgeTaskResponse,
  DescribeContentQuotaResponse,
  FailReason,
  Quota,
} from "tencentcloud-sdk-nodejs-teo/tencentcloud/services/teo/v20220901/teo_models.js";
import { type BatchLimits, distinct, purgeInBatches, type SentCall, urlHost, urlProblem } from "./batches.ts";
import { callAction, cloudApiClientConfig } from "./cloud-api-client.ts";
import { type ApiWhere, CdnApiError } from "./errors.ts";
import { createRateLimiter } from "./rate-limit.ts";
import { cachedRead, callWithRetry, retryPolicy } from "./retry.ts";
import type { CallOptions, EdgeOneProvider, ProviderCommonOptions, PurgeLimits, PurgeQuota } from "./types.ts";

export interface EdgeOneProviderOptions extends ProviderCommonOptions {
  /** The site's ZoneId (`zone-...`); `*` purges across every zone the role may touch (quota then unknown). */
  zoneId: string;
  /**
   * `Method` of prefix and host purges: `invalidate` (what changed; the default) or `delete` (everything). The
   * API applies it to those types only, so URL and cache-tag purges are sent without it.
   */
  method: "invalidate" | "delete";
}

/** The purge types of CreatePurgeTask this provider sends, and the quota types DescribeContentQuota names. */
type TeoType = "purge_url" | "purge_prefix" | "purge_host" | "purge_cache_tag" | "prefetch_url";

/**
 * Batches for when DescribeContentQuota cannot be read (no permission, or ZoneId `*`): below every plan's
 * documented limit, so that no call is refused for its size.
 */
export const EDGEONE_FALLBACK_BATCH: Record<TeoType, number> = {
  purge_url: 100,
  purge_prefix: 20,
  purge_host: 20,
  purge_cache_tag: 20,
  prefetch_url: 100,
};

/**
 * A CdnProvider on Tencent EdgeOne (API 2022-09-01): CreatePurgeTask (`purge_url`, `purge_prefix`, and through
 * `purgeHosts` and `purgeCacheTags` `purge_host` and `purge_cache_tag`), CreatePrefetchTask, and
 * DescribeContentQuota for the zone's plan quotas. Targets in a task's FailedList are failed, the rest purged.
 * One SDK client and one rate limiter per provider: build it once per warm instance.
 */
export function createEdgeOneProvider(options: EdgeOneProviderOptions): EdgeOneProvider {
  const client = new Client(
    cloudApiClientConfig({
      credentials: options.credentials,
      host: "teo.tencentcloudapi.com",
      endpoint: options.endpoint,
      timeoutSeconds: options.timeoutSeconds,
    }),
  );
  const limiter = createRateLimiter({ perSecond: options.rateLimit });
  const policy = retryPolicy(options);
  const concurrency = options.concurrency ?? 4;
  const { zoneId, method } = options;
  const zoneWhere: ApiWhere = { service: "edgeone", zone: zoneId };
  const urlWhere = (targets: readonly string[]): ApiWhere => ({
    ...zoneWhere,
    hosts: distinct(targets.map((target) => urlHost(target) ?? target)),
  });

  const quotas = cachedRead(async (signal): Promise<Map<string, PurgeLimits>> => {
    const answer = await callWithRetry(
      (callSignal) =>
        callAction<DescribeContentQuotaResponse>(client, "DescribeContentQuota", { ZoneId: zoneId }, callSignal),
      { limiter, policy, where: zoneWhere, signal },
    );
    const byType = new Map<string, PurgeLimits>();
    for (const entry of [...(answer.PurgeQuota ?? []), ...(answer.PrefetchQuota ?? [])] as Quota[])
      byType.set(entry.Type, { batch: entry.Batch, dailyTotal: entry.Daily, dailyAvailable: entry.DailyAvailable });
    return byType;
  });
  const pick = (byType: Map<string, PurgeLimits>, type: TeoType): PurgeLimits => {
    const limits = byType.get(type);
    if (!limits)
      throw new CdnApiError("QUOTA_UNKNOWN", `EdgeOne zone ${zoneId}: DescribeContentQuota reported no ${type} quota`, {
        kind: "unknown",
        where: zoneWhere,
        retryable: true,
      });
    return limits;
  };
  const batchLimits =
    (type: TeoType) =>
    async (fresh: boolean, signal: AbortSignal | undefined): Promise<BatchLimits> => {
      const limits = pick(await quotas(fresh, signal), type);
      return { batch: Math.max(1, limits.batch), dailyAvailable: limits.dailyAvailable };
    };
  const answered = (answer: { JobId?: string; FailedList?: FailReason[] }): SentCall => ({
    task: answer.JobId,
    failed: (answer.FailedList ?? []).map((entry) => ({ targets: entry.Targets ?? [], reason: entry.Reason ?? "" })),
  });
  const purge = (
    type: Exclude<TeoType, "prefetch_url">,
    targets: readonly string[],
    signal: AbortSignal | undefined,
    extra: { cacheTagDomains?: readonly string[] } = {},
  ) => {
    const urls = type === "purge_url" || type === "purge_prefix";
    return purgeInBatches(targets, {
      limiter,
      policy,
      concurrency,
      signal,
      limits: batchLimits(type),
      fallbackBatch: EDGEONE_FALLBACK_BATCH[type],
      where: urls ? urlWhere : (list) => ({ ...zoneWhere, hosts: type === "purge_host" ? list : [] }),
      hostOf: urls ? urlHost : type === "purge_host" ? (host) => host.toLowerCase() : () => undefined,
      ...(urls && { check: urlProblem }),
      send: async (Targets, callSignal) => {
        const params: CreatePurgeTaskRequest = {
          ZoneId: zoneId,
          Type: type,
          Targets,
          ...((type === "purge_prefix" || type === "purge_host") && { Method: method }),
          ...(extra.cacheTagDomains && { CacheTag: { Domains: [...extra.cacheTagDomains] } }),
        };
        return answered(await callAction<CreatePurgeTaskResponse>(client, "CreatePurgeTask", params, callSignal));
      },
    });
  };

  return {
    kind: "edgeone",
    async quota(quotaOptions: CallOptions & { fresh?: boolean } = {}): Promise<PurgeQuota> {
      const byType = await quotas(quotaOptions.fresh ?? false, quotaOptions.signal);
      return {
        urls: pick(byType, "purge_url"),
        prefixes: pick(byType, "purge_prefix"),
        ...(byType.has("prefetch_url") && { prefetch: pick(byType, "prefetch_url") }),
      };
    },
    purgeUrls: (urls, callOptions = {}) => purge("purge_url", urls, callOptions.signal),
    purgePrefixes: (prefixes, callOptions = {}) => purge("purge_prefix", prefixes, callOptions.signal),
    purgeHosts: (hosts, callOptions = {}) => purge("purge_host", hosts, callOptions.signal),
    purgeCacheTags: (tags, domains, callOptions = {}) =>
      purge("purge_cache_tag", tags, callOptions.signal, { cacheTagDomains: domains }),
    async prefetch(urls, callOptions = {}) {
      return purgeInBatches(urls, {
        limiter,
        policy,
        concurrency,
        signal: callOptions.signal,
        limits: batchLimits("prefetch_url"),
        fallbackBatch: EDGEONE_FALLBACK_BATCH.prefetch_url,
        where: urlWhere,
        hostOf: urlHost,
        check: urlProblem,
        send: async (Targets, callSignal) => {
          const params: CreatePrefetchTaskRequest = { ZoneId: zoneId, Targets };
          return answered(
            await callAction<CreatePrefetchTaskResponse>(client, "CreatePrefetchTask", params, callSignal),
          );
        },
      });
    },
  };
}
