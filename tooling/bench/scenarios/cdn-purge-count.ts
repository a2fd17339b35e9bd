// What the cdn-purge benchmark counts, apart from its processes: the uploads' keys and URLs, the Cloud API calls the
// local cloud recorded, and the URLs lost (neither purged in a successful call nor waiting in the queue).
import { parseQueueKey } from "../../../functions/cdn-purge/src/queue.ts";

export const BENCH_BUCKET = "examplebucket-1250000000";
export const BENCH_DOMAIN = "static.example.com";

/** What the local cloud's process reports (`stats` in cdn-purge-cloud.ts). */
export interface CloudStats {
  /** For each Cloud API action, how many calls were answered `ok` or with each error code. */
  calls: Record<string, Record<string, number>>;
  /** The URLs of the successful PurgeUrlsCache calls and the paths of the successful PurgePathCache calls. */
  purgedUrls: string[];
  purgedPaths: string[];
  /** Today's mainland quotas spent: URLs and paths. */
  used: { url: number; path: number };
  /** COS requests by API (`PutObject`, `GetBucket`, `DeleteMultipleObjects`...). */
  cos: Record<string, number>;
  /** The keys under the queue prefix asked for. */
  queued: string[];
}

/** Upload `i` of a bulk upload spread over `folders` folders (as in cdn-purge's queued test). */
export function uploadKey(i: number, folders: number): string {
  return `bulk/f${String(i % folders).padStart(String(folders - 1).length, "0")}/${i}.jpg`;
}

/** The URL cdn-purge and the demo purge for a key (keys here need no percent-encoding). */
export function urlOf(key: string): string {
  return `https://${BENCH_DOMAIN}/${key}`;
}

/** Calls of one action, or of every action, in total or with one outcome (`ok`, an error code). */
export function countCalls(stats: CloudStats, action?: string, outcome?: string): number {
  let total = 0;
  for (const [name, outcomes] of Object.entries(stats.calls)) {
    if (action !== undefined && name !== action) continue;
    for (const [code, count] of Object.entries(outcomes)) if (outcome === undefined || code === outcome) total += count;
  }
  return total;
}

/** Calls answered with an error whose code names throttling (`RequestLimitExceeded`, `*RateLimitExceeded`). */
export function throttledCalls(stats: CloudStats): number {
  let total = 0;
  for (const outcomes of Object.values(stats.calls)) {
    for (const [code, count] of Object.entries(outcomes))
      if (/RequestLimitExceeded|RateLimitExceeded/.test(code)) total += count;
  }
  return total;
}

/**
 * The URLs of `keys` that are lost: not purged by a successful URL call, not under a successfully purged path, and
 * not waiting in the queue (entries under `queuePrefix`) for the next flush.
 */
export function lostUrls(keys: readonly string[], stats: CloudStats, queuePrefix: string): string[] {
  const purged = new Set(stats.purgedUrls);
  const queued = new Set<string>();
  const queuedPrefixes: string[] = [];
  for (const key of stats.queued) {
    const entry = parseQueueKey(queuePrefix, key);
    if (entry?.target == null) continue;
    if (entry.kind === "url") queued.add(entry.target);
    if (entry.kind === "prefix") queuedPrefixes.push(entry.target);
  }
  const covered = (url: string, prefixes: readonly string[]) => prefixes.some((prefix) => url.startsWith(prefix));
  return keys
    .map(urlOf)
    .filter(
      (url) =>
        !purged.has(url) && !queued.has(url) && !covered(url, stats.purgedPaths) && !covered(url, queuedPrefixes),
    );
}
