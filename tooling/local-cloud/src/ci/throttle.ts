import { CI_ERRNO, ciError } from "./limits.ts";

/** CI's rate limit, and throttling a test can inject. */
export interface CiThrottleOptions {
  /**
   * Requests allowed per second across the account (CI: 100/s in mainland public regions, 50/s elsewhere);
   * more in the same second are answered 429 with `X-ErrNo: -29214`. Default: no limit.
   */
  perSecond?: number;
  /** The clock the rate is counted on (milliseconds). Default `Date.now`. */
  now?: () => number;
  /**
   * Throttles a request whatever the rate when it returns true: `count` is how many requests this process has
   * had for this key, this one included (so `count <= 2` throttles the first two tries).
   */
  when?: (request: { process: string; key: string; count: number }) => boolean;
}

/** Counts CI requests per whole second and per key, and refuses the throttled ones. */
export class CiThrottle {
  readonly #options: CiThrottleOptions;
  readonly #counts = new Map<string, number>();
  #second = Number.NaN;
  #inSecond = 0;

  constructor(options: CiThrottleOptions = {}) {
    this.#options = options;
  }

  /** Throws CI's rate-limit error when this request is over the rate or chosen by `when`. */
  admit(process: string, key: string): void {
    const id = `${process}\n${key}`;
    const count = (this.#counts.get(id) ?? 0) + 1;
    this.#counts.set(id, count);
    const { perSecond, when } = this.#options;
    if (when?.({ process, key, count })) {
      throw ciError("RequestLimitExceeded", CI_ERRNO.rateLimited, `${process} on ${key} throttled (injected)`);
    }
    if (perSecond === undefined) return;
    const second = Math.floor((this.#options.now ?? Date.now)() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      this.#inSecond = 0;
    }
    if (this.#inSecond >= perSecond) {
      throw ciError(
        "RequestLimitExceeded",
        CI_ERRNO.rateLimited,
        `Cloud Infinite allows ${perSecond} requests per second; ${process} on ${key} is over it`,
      );
    }
    this.#inSecond++;
  }
}
