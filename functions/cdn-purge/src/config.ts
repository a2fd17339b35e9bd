import { ConfigError, type EnvReader } from "@cosfn/runtime";

/** How object keys are written into URLs (see urls.ts). */
export type UrlEncoding = "rfc3986" | "cdn";

/** Every setting of cdn-purge, read and checked once per warm instance. */
export interface Config {
  provider: "cdn" | "edgeone";
  /** Origins the bucket is served from: `https://static.example.com` (a bare host means https). */
  domains: string[];
  /** Keys not under it are not served by the CDN and are skipped; it is removed from the URL path. */
  stripKeyPrefix: string;
  /** Put in front of the key in the URL path (the CDN's path for the bucket's root), starting and ending with /. */
  urlPathPrefix: string;
  /** File names that are served for their folder: `dir/index.html` also purges `dir/` and `dir`. */
  indexDocuments: string[];
  /** Query strings also purged for every object (image-processing styles...), unless `ignoreQuery`. */
  queryVariants: string[];
  /** The domains cache one object per path, whatever its query: variants need no purge of their own. */
  ignoreQuery: boolean;
  urlEncoding: UrlEncoding;
  /** CDN: the domains' area; `PurgeUrlsCache` and `PurgePathCache` take mainland or overseas. */
  area: "mainland" | "overseas";
  /** CDN: `cdn.intl.tencentcloudapi.com`, for international accounts. */
  international: boolean;
  /** CDN: how a folder is purged (`PurgePathCache` FlushType). */
  flushType: "flush" | "delete";
  /** EdgeOne: the zone, and how its cache is purged. */
  edgeoneZoneId: string | undefined;
  edgeoneMethod: "invalidate" | "delete";
  /** `direct`: every invocation purges at once. `queued`: invocations queue, a timer flushes. */
  mode: "direct" | "queued";
  /** Where queue entries are kept; required for `queued`, and in `direct` where quota refusals wait for a flush. */
  queueBucket: string | undefined;
  /** The queue bucket's region; unset, the function's own (SCF binds COS triggers in the function's region). */
  queueRegion: string | undefined;
  queuePrefix: string;
  /** At a flush, a folder with at least this many URLs to purge is purged as one prefix instead. */
  escalateMinUrls: number;
  /** Created objects whose key ends with one of these are prefetched after the purge. */
  prefetchSuffixes: string[];
  /** Cloud API requests a second this instance sends at most (the account's limit is 20 across instances). */
  rateLimit: number;
}

function origin(value: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `https://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ConfigError("CDN_DOMAINS", value, "origins such as https://static.example.com or static.example.com");
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.pathname !== "/" || url.search || url.hash) {
    throw new ConfigError("CDN_DOMAINS", value, "origins such as https://static.example.com, without a path");
  }
  return `${url.protocol}//${url.host}`;
}

function slashes(value: string): string {
  const trimmed = value.replace(/^\/+|\/+$/g, "");
  return trimmed === "" ? "/" : `/${trimmed}/`;
}

export function loadConfig(env: EnvReader): Config {
  const provider = env.oneOf("PROVIDER", ["cdn", "edgeone"], { default: "cdn" });
  const mode = env.oneOf("PURGE_MODE", ["direct", "queued"], { default: "direct" });
  const queueBucket = env.optional("QUEUE_BUCKET");
  if (mode === "queued" && !queueBucket) {
    throw new ConfigError(
      "QUEUE_BUCKET",
      undefined,
      "the bucket (name-appid) that keeps the queue when PURGE_MODE=queued",
    );
  }
  const edgeoneZoneId = env.optional("EDGEONE_ZONE_ID");
  if (provider === "edgeone" && !edgeoneZoneId) {
    throw new ConfigError("EDGEONE_ZONE_ID", undefined, "the EdgeOne zone id (zone-...) when PROVIDER=edgeone");
  }
  const queueRegion = env.optional("QUEUE_REGION");
  if (queueRegion !== undefined && !/^[a-z]+(-[a-z]+)+(-\d+)?$/.test(queueRegion)) {
    throw new ConfigError("QUEUE_REGION", queueRegion, "a COS region such as ap-guangzhou");
  }
  const queuePrefix = env.string("QUEUE_PREFIX", { default: ".cosfn/cdn-purge/queue/" });
  if (!queuePrefix.endsWith("/") || queuePrefix.startsWith("/")) {
    throw new ConfigError("QUEUE_PREFIX", queuePrefix, "a key prefix ending with / and not starting with /");
  }
  return {
    provider,
    domains: [...new Set(env.list("CDN_DOMAINS", { required: true }).map(origin))],
    stripKeyPrefix: env.string("STRIP_KEY_PREFIX", { default: "" }),
    urlPathPrefix: slashes(env.string("URL_PATH_PREFIX", { default: "/" })),
    indexDocuments: env.list("INDEX_DOCUMENTS", { default: ["index.html"] }),
    queryVariants: env.list("QUERY_VARIANTS", { default: [] }).map((variant) => variant.replace(/^\?/, "")),
    ignoreQuery: env.bool("IGNORE_QUERY", { default: true }),
    urlEncoding: env.oneOf("URL_ENCODING", ["rfc3986", "cdn"], { default: "rfc3986" }),
    area: env.oneOf("AREA", ["mainland", "overseas"], { default: "mainland" }),
    international: env.bool("CDN_INTERNATIONAL", { default: false }),
    flushType: env.oneOf("FLUSH_TYPE", ["flush", "delete"], { default: "flush" }),
    edgeoneZoneId,
    edgeoneMethod: env.oneOf("EDGEONE_METHOD", ["invalidate", "delete"], { default: "invalidate" }),
    mode,
    queueBucket,
    queueRegion,
    queuePrefix,
    escalateMinUrls: env.int("ESCALATE_MIN_URLS", { default: 100, min: 2 }),
    prefetchSuffixes: env.list("PREFETCH_SUFFIXES", { default: [] }).map((suffix) => suffix.toLowerCase()),
    rateLimit: env.int("RATE_LIMIT", { default: 20, min: 1, max: 20 }),
  };
}
