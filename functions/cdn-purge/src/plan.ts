import type { PurgeQuota } from "./providers/types.ts";

/** Everything waiting to be purged, deduplicated. */
export interface Wanted {
  urls: string[];
  prefixes: string[];
  prefetch: string[];
}

/** What a flush sends, and what it leaves for the next one. */
export interface FlushPlan {
  urls: string[];
  /** Prefixes asked for, and folders escalated from many URLs. */
  prefixes: string[];
  prefetch: string[];
  /** The URLs a purged prefix takes care of: each planned prefix with the URLs it covers. */
  covers: Map<string, string[]>;
  /** Left for the next flush: today's quota would not take them. */
  deferred: { urls: string[]; prefixes: string[]; prefetch: string[] };
}

/** The folder URL of a URL (its query dropped): `https://d/a/b.png?x` -> `https://d/a/`. */
export function folderOf(url: string): string {
  const path = url.split("?")[0] as string;
  return path.slice(0, path.lastIndexOf("/") + 1);
}

/**
 * Plans a flush in the fewest calls within today's quota: URLs under a prefix that is purged anyway are dropped; a
 * folder with at least `escalateMinUrls` URLs is purged as one prefix (largest folders first, while the day's prefix
 * budget lasts); when the URLs left still exceed the day's URL budget, more folders are escalated (largest first)
 * and, if that is not enough, the URLs past the budget wait for the next flush, as do prefixes past theirs.
 * Nothing is dropped: every target is planned, covered by a planned prefix, or deferred.
 */
export function planFlush(wanted: Wanted, quota: PurgeQuota, escalateMinUrls: number): FlushPlan {
  const unique = (list: readonly string[]) => [...new Set(list)];
  let prefixBudget = Math.max(0, quota.prefixes.dailyAvailable);
  const queuedPrefixes = unique(wanted.prefixes);
  const prefixes = queuedPrefixes.slice(0, prefixBudget);
  const deferredPrefixes = queuedPrefixes.slice(prefixBudget);
  prefixBudget -= prefixes.length;

  const covers = new Map<string, string[]>(prefixes.map((prefix) => [prefix, []]));
  const coveredBy = (url: string) => prefixes.find((prefix) => url.startsWith(prefix));
  let urls: string[] = [];
  for (const url of unique(wanted.urls)) {
    const prefix = coveredBy(url);
    if (prefix) covers.get(prefix)?.push(url);
    else urls.push(url);
  }

  const folders = new Map<string, string[]>();
  for (const url of urls) {
    const folder = folderOf(url);
    folders.set(folder, [...(folders.get(folder) ?? []), url]);
  }
  const largest = [...folders].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const escalated = new Set<string>();
  const escalate = (folder: string, members: string[]) => {
    escalated.add(folder);
    prefixes.push(folder);
    covers.set(folder, members);
    prefixBudget--;
  };
  for (const [folder, members] of largest) {
    if (prefixBudget <= 0 || members.length < escalateMinUrls) break;
    escalate(folder, members);
  }
  let left = urls.filter((url) => !escalated.has(folderOf(url)));
  const urlBudget = Math.max(0, quota.urls.dailyAvailable);
  for (const [folder, members] of largest) {
    if (left.length <= urlBudget || prefixBudget <= 0) break;
    if (escalated.has(folder) || members.length < 2) continue;
    escalate(folder, members);
    left = left.filter((url) => folderOf(url) !== folder);
  }
  urls = left.slice(0, urlBudget);
  const prefetchBudget = Math.max(0, quota.prefetch?.dailyAvailable ?? Number.POSITIVE_INFINITY);
  const prefetch = unique(wanted.prefetch);
  return {
    urls,
    prefixes,
    prefetch: prefetch.slice(0, prefetchBudget),
    covers,
    deferred: { urls: left.slice(urlBudget), prefixes: deferredPrefixes, prefetch: prefetch.slice(prefetchBudget) },
  };
}
