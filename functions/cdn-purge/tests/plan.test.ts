import { describe, expect, it } from "vitest";
import { folderOf, planFlush, type Wanted } from "../src/plan.ts";
import type { PurgeQuota } from "../src/providers/types.ts";

const quota = (urls: number, prefixes: number, prefetch?: number): PurgeQuota => ({
  urls: { batch: 1000, dailyTotal: 10_000, dailyAvailable: urls },
  prefixes: { batch: 500, dailyTotal: 100, dailyAvailable: prefixes },
  ...(prefetch !== undefined && { prefetch: { batch: 500, dailyTotal: 1000, dailyAvailable: prefetch } }),
});
const files = (folder: string, count: number) =>
  Array.from({ length: count }, (_, i) => `https://cdn.example.com/${folder}${i}.png`);
const wanted = (change: Partial<Wanted>): Wanted => ({ urls: [], prefixes: [], prefetch: [], ...change });

/** Every wanted target is planned, covered by a planned prefix, or deferred: nothing is dropped. */
function accounted(w: Wanted, plan: ReturnType<typeof planFlush>): boolean {
  const covered = new Set([...plan.covers.values()].flat());
  return (
    w.urls.every((u) => plan.urls.includes(u) || covered.has(u) || plan.deferred.urls.includes(u)) &&
    w.prefixes.every((p) => plan.prefixes.includes(p) || plan.deferred.prefixes.includes(p)) &&
    w.prefetch.every((u) => plan.prefetch.includes(u) || plan.deferred.prefetch.includes(u))
  );
}

describe("folderOf", () => {
  it.each([
    ["https://d.example.com/a/b.png", "https://d.example.com/a/"],
    ["https://d.example.com/a/b.png?w=1/2", "https://d.example.com/a/"],
    ["https://d.example.com/top.png", "https://d.example.com/"],
  ])("%s -> %s", (url, folder) => expect(folderOf(url)).toBe(folder));
});

describe("planFlush", () => {
  it("deduplicates and purges URLs as URLs while the folders are small and the budget lasts", () => {
    const w = wanted({ urls: [...files("a/", 3), ...files("a/", 3), ...files("b/", 2)] });
    const plan = planFlush(w, quota(10_000, 100), 100);
    expect(plan.urls).toEqual([...files("a/", 3), ...files("b/", 2)]);
    expect(plan.prefixes).toEqual([]);
    expect(accounted(w, plan)).toBe(true);
  });

  it("escalates a folder with at least ESCALATE_MIN_URLS URLs to one prefix purge, largest first, within the prefix budget", () => {
    const w = wanted({ urls: [...files("big/", 150), ...files("bigger/", 300), ...files("small/", 5)] });
    const plan = planFlush(w, quota(10_000, 1), 100);
    expect(plan.prefixes).toEqual(["https://cdn.example.com/bigger/"]);
    expect(plan.covers.get("https://cdn.example.com/bigger/")).toHaveLength(300);
    expect(plan.urls).toEqual([...files("big/", 150), ...files("small/", 5)]);
    expect(accounted(w, plan)).toBe(true);
  });

  it("drops URLs a queued prefix covers, and counts them as covered", () => {
    const w = wanted({
      urls: [...files("gone/", 4), ...files("kept/", 1)],
      prefixes: ["https://cdn.example.com/gone/"],
    });
    const plan = planFlush(w, quota(10_000, 100), 100);
    expect(plan.urls).toEqual(files("kept/", 1));
    expect(plan.covers.get("https://cdn.example.com/gone/")).toEqual(files("gone/", 4));
  });

  it("when the day's URL budget runs low, escalates more folders (largest first) to stay within it", () => {
    const w = wanted({ urls: [...files("a/", 40), ...files("b/", 30), ...files("c/", 20)] });
    const plan = planFlush(w, quota(50, 100), 100);
    expect(plan.prefixes).toEqual(["https://cdn.example.com/a/"]);
    expect(plan.urls).toHaveLength(50);
    expect(plan.deferred.urls).toEqual([]);
    expect(accounted(w, plan)).toBe(true);
  });

  it("never exceeds the day's quotas: what does not fit waits for the next flush", () => {
    const w = wanted({
      urls: [...files("a/", 40), ...files("b/", 30)],
      prefixes: ["https://cdn.example.com/p1/", "https://cdn.example.com/p2/"],
      prefetch: files("a/", 3),
    });
    const plan = planFlush(w, quota(10, 1, 2), 100);
    expect(plan.urls.length).toBeLessThanOrEqual(10);
    expect(plan.prefixes).toEqual(["https://cdn.example.com/p1/"]);
    expect(plan.deferred.prefixes).toEqual(["https://cdn.example.com/p2/"]);
    expect(plan.deferred.urls).toHaveLength(60);
    expect(plan.prefetch).toHaveLength(2);
    expect(plan.deferred.prefetch).toHaveLength(1);
    expect(accounted(w, plan)).toBe(true);
  });

  it("with no quota left at all, plans nothing and defers everything", () => {
    const w = wanted({ urls: files("a/", 5), prefixes: ["https://cdn.example.com/p/"] });
    const plan = planFlush(w, quota(0, 0), 100);
    expect(plan.urls).toEqual([]);
    expect(plan.prefixes).toEqual([]);
    expect(plan.deferred.urls).toHaveLength(5);
    expect(accounted(w, plan)).toBe(true);
  });
});
