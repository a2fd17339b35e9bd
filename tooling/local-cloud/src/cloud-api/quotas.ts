import { CloudApiError } from "./errors.ts";

/** Tencent Cloud's quotas reset at 00:00 Beijing time (UTC+8), not UTC (CDN doc 228/46738, "Quota management"). */
const BEIJING_OFFSET_MS = 8 * 3600_000;

/** The quota day of a time: its date in UTC+8, `2024-05-01`. */
export function quotaDay(ms: number): string {
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}

/** Asking `count` more of the daily quota `key` (at most `daily` a day); `code` is answered when it is exceeded. */
export interface QuotaDemand {
  key: string;
  count: number;
  daily: number;
  code: string;
  /** What the quota is, for the message: `URL purges in mainland`. */
  what: string;
}

/** Daily quotas by key (`url:mainland`, `teo:<zone>:purge_url`...), reset when the UTC+8 day changes. */
export class DailyQuotas {
  readonly #used = new Map<string, number>();
  readonly #clock: () => number;
  #day: string;

  constructor(clock: () => number) {
    this.#clock = clock;
    this.#day = quotaDay(clock());
  }

  used(key: string): number {
    this.#roll();
    return this.#used.get(key) ?? 0;
  }

  available(key: string, daily: number): number {
    return Math.max(0, daily - this.used(key));
  }

  /** Spends every demand, or none: the first that does not fit throws its code and nothing is spent. */
  spend(demands: readonly QuotaDemand[]): void {
    const totals = new Map<string, QuotaDemand>();
    for (const demand of demands) {
      const seen = totals.get(demand.key);
      totals.set(demand.key, seen ? { ...seen, count: seen.count + demand.count } : demand);
    }
    for (const demand of totals.values()) {
      const left = this.available(demand.key, demand.daily);
      if (demand.count > left) {
        throw new CloudApiError(
          demand.code,
          `the daily quota of ${demand.what} is ${demand.daily}: ${left} left today (UTC+8), ${demand.count} asked`,
        );
      }
    }
    for (const demand of totals.values()) this.#used.set(demand.key, this.used(demand.key) + demand.count);
  }

  clear(): void {
    this.#used.clear();
  }

  #roll(): void {
    const today = quotaDay(this.#clock());
    if (today !== this.#day) {
      this.#day = today;
      this.#used.clear();
    }
  }
}
