/** One kind of purge's limits: targets per call, per day, and what is left of today's. */
export interface PurgeLimits {
  batch: number;
  dailyTotal: number;
  dailyAvailable: number;
}

/**
 * The limits of the account (CDN, for the configured area) or the zone's plan (EdgeOne), as the API reports
 * them. `prefetch` is absent when the API that reports it is not called (CDN: the documented 500 a call is used).
 */
export interface PurgeQuota {
  urls: PurgeLimits;
  prefixes: PurgeLimits;
  prefetch?: PurgeLimits;
}

/**
 * A target that was not purged, and why. `code` is the API's error code, or `DEADLINE` (the signal aborted
 * before the target's call finished), or `TARGET_FAILED` (EdgeOne listed it in `FailedList`). `retryable`:
 * SCF's retry of the invocation may purge it. `quota`: a batch or daily quota refused it.
 */
export interface PurgeFailure {
  target: string;
  code: string;
  message: string;
  retryable: boolean;
  quota: boolean;
}

/**
 * What one purge, prefix purge or prefetch did: every distinct target asked for is in `purged` or in `failed`,
 * exactly once, never both and never neither. `calls` counts the requests sent (retries included); `tasks` the
 * TaskIds (CDN) or JobIds (EdgeOne) of the calls that succeeded.
 */
export interface PurgeOutcome {
  calls: number;
  tasks: string[];
  purged: string[];
  failed: PurgeFailure[];
}

export interface CallOptions {
  /**
   * Stops the work: calls in flight are abandoned, no more are sent, and the targets not confirmed are failed
   * with code `DEADLINE` (retryable). The methods return what finished; only `quota()` throws on abort.
   */
  signal?: AbortSignal;
}

/**
 * Purges a CDN's or EdgeOne's cache, within the account's quotas and rate. The methods never throw for API or
 * network failures: each target ends up in `purged` or in `failed` with the API's code, a message naming the
 * domain or zone and what to do, and whether a retry or the quota is at stake.
 */
export interface CdnProvider {
  readonly kind: "cdn" | "edgeone";
  /**
   * The limits, read from DescribePurgeQuota / DescribeContentQuota; cached for the warm instance unless
   * `fresh`. Throws a `CdnApiError` when the API cannot answer, or the signal's reason on abort.
   */
  quota(options?: CallOptions & { fresh?: boolean }): Promise<PurgeQuota>;
  /** Full URLs (with scheme), already encoded by the caller as the URL mapping decides. */
  purgeUrls(urls: readonly string[], options?: CallOptions): Promise<PurgeOutcome>;
  /** Directory URLs ending in "/": CDN PurgePathCache (FlushType from options), EdgeOne purge_prefix. */
  purgePrefixes(prefixes: readonly string[], options?: CallOptions): Promise<PurgeOutcome>;
  /** CDN PushUrlsCache / EdgeOne CreatePrefetchTask. */
  prefetch(urls: readonly string[], options?: CallOptions): Promise<PurgeOutcome>;
}

/** EdgeOne's purge types beyond URLs and prefixes. */
export interface EdgeOneProvider extends CdnProvider {
  readonly kind: "edgeone";
  /** `purge_host`: every cached object of each hostname (`www.example.com`). */
  purgeHosts(hosts: readonly string[], options?: CallOptions): Promise<PurgeOutcome>;
  /** `purge_cache_tag`: objects tagged with each tag, on `domains` (the `CacheTag.Domains` of the call). */
  purgeCacheTags(tags: readonly string[], domains: readonly string[], options?: CallOptions): Promise<PurgeOutcome>;
}

/** Credentials of the function's role (or a user's keys), from the function's setup. */
export interface CloudCredentials {
  secretId: string;
  secretKey: string;
  token?: string | undefined;
}

/** What both providers take besides their own settings. */
export interface ProviderCommonOptions {
  /**
   * The credentials, or a function read at each request (pass the runtime's `setup.credentials` itself, not its
   * result, and a warm instance signs with the role's current temporary keys when SCF rotates them).
   */
  credentials: CloudCredentials | (() => CloudCredentials);
  /** `http://127.0.0.1:<port>`: the local cloud (`COSFN_CLOUD_API_ENDPOINT`); unset, Tencent Cloud. */
  endpoint?: string | undefined;
  /** Requests a second this instance sends at most (one token bucket per provider). Default 20. */
  rateLimit?: number | undefined;
  /** Tries per call for throttling, internal and network failures. Default 5. */
  attempts?: number | undefined;
  /** Calls in flight at once for one method call. Default 4. */
  concurrency?: number | undefined;
  /** Exponential backoff with full jitter between tries: `random(0, min(capMs, baseMs * 2^try))`. */
  backoff?: { baseMs?: number; capMs?: number } | undefined;
  /** Seconds before one request is abandoned (and tried again). Default 10. */
  timeoutSeconds?: number | undefined;
}
