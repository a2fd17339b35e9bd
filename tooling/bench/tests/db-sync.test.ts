import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { compareKeys } from "../../../functions/db-sync/src/reconcile.ts";
import { benchKey, everyNth, extraKey, extrapolateBaseline, quantile } from "../scenarios/db-sync-keys.ts";
import { SCENARIOS } from "../src/index.ts";

describe("the db-sync scenario's keys and arithmetic", () => {
  it("is registered with the harness", () => {
    const file = SCENARIOS["db-sync"]?.file as string;
    expect(file).toBe("db-sync.ts");
    for (const name of [file, "db-sync-run.ts", "db-sync-cloud.ts", "db-sync-keys.ts"]) {
      expect(existsSync(fileURLToPath(new URL(`../scenarios/${name}`, import.meta.url)))).toBe(true);
    }
  });

  it("names keys under data/ whose byte order is their index order, each extra key right after its object's", () => {
    expect(benchKey(0)).toBe("data/r/0000000.txt");
    expect(benchKey(99_999)).toBe("data/r/0099999.txt");
    const keys = [benchKey(10), extraKey(3), benchKey(3), benchKey(4), benchKey(100_000)];
    expect([...keys].sort(compareKeys)).toEqual([
      benchKey(3),
      extraKey(3),
      benchKey(4),
      benchKey(10),
      benchKey(100_000),
    ]);
  });

  it("picks every 20th index from an offset: 5% of the objects or rows", () => {
    expect(everyNth(100, 20, 2)).toEqual([2, 22, 42, 62, 82]);
    expect(everyNth(100_000, 20, 1)).toHaveLength(5_000);
    expect(everyNth(3, 20, 5)).toEqual([]);
  });

  it("extrapolates the per-row baseline from a sample: the whole listing plus the loop scaled", () => {
    expect(extrapolateBaseline(2_000, 500, 1_000, 100_000)).toBe(2_000 + 50_000);
    expect(extrapolateBaseline(10, 40, 4, 4)).toBe(50);
    expect(() => extrapolateBaseline(1, 1, 0, 10)).toThrow(RangeError);
  });

  it("reads quantiles by nearest rank", () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(95);
    expect(quantile([7], 0.95)).toBe(7);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});
