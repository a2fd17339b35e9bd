// What the db-sync benchmark's processes agree on: the bucket, the keys, and how figures are computed from samples.

export const BENCH_BUCKET = "examplebucket-1250000000";
export const BENCH_REGION = "ap-guangzhou";
export const BENCH_PREFIX = "data/";

/** The i-th object of the benchmark: zero-padded, so that the listing's order is the index order. */
export function benchKey(i: number): string {
  return `${BENCH_PREFIX}r/${String(i).padStart(7, "0")}.txt`;
}

/** A key that sorts right after benchKey(i) and that the bucket never has: an extra row of the drifted table. */
export function extraKey(i: number): string {
  return `${BENCH_PREFIX}r/${String(i).padStart(7, "0")}.txt~extra`;
}

/** Indexes from `offset`, every `every`th, below `count`: the objects or rows a kind of drift touches. */
export function everyNth(count: number, every: number, offset: number): number[] {
  const out: number[] = [];
  for (let i = offset; i < count; i += every) out.push(i);
  return out;
}

/**
 * The per-row baseline's time for all `total` keys from a sample: the listing (measured whole) plus the loop's
 * time for `sampled` keys scaled to `total`. Labelled as extrapolated wherever it is reported.
 */
export function extrapolateBaseline(listMs: number, loopMs: number, sampled: number, total: number): number {
  if (sampled <= 0) throw new RangeError("sampled: expected at least one key");
  return listMs + (loopMs * total) / sampled;
}

/** The value at quantile q (0..1) of samples, by nearest rank. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}
