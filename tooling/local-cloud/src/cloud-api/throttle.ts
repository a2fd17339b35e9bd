import { CloudApiError } from "./errors.ts";

/** The documented rate of the CDN and EdgeOne content APIs: "20 requests per second for this API". */
export const REAL_RATE_LIMIT = 20;

export interface ThrottleOptions {
  /** Only this service (`cdn`, `teo`); default: each service, counted separately. */
  service?: string;
  /**
   * What one window counts: `service` (every action of the service together) or `action` (each action on its
   * own, as Tencent's API pages state the limit: "20 requests per second for this API"). Default `service`.
   */
  per?: "service" | "action";
  /**
   * The code answered. Default `RequestLimitExceeded`, the Cloud API's common code for a rate limit (the limit
   * is enforced in front of the product). EdgeOne also defines `LimitExceeded.RateLimitExceeded`, though its
   * CreatePurgeTask/CreatePrefetchTask pages do not list it: pass it here to test a client against that code.
   */
  code?: string;
}

interface Rule {
  perSecond: number;
  service: string | undefined;
  per: "service" | "action";
  code: string;
  windows: Map<string, number[]>;
}

/** Requests per second, per service (or per action), over a sliding one-second window. */
export class RateLimiter {
  #rules: Rule[] = [];

  /** Sets the limit (`undefined` removes it) for one service, or for every service when none is named. */
  set(perSecond: number | undefined, options: ThrottleOptions = {}): void {
    const { service } = options;
    this.#rules = service === undefined ? [] : this.#rules.filter((rule) => rule.service !== service);
    if (perSecond === undefined) return;
    this.#rules.push({
      perSecond,
      service,
      per: options.per ?? "service",
      code: options.code ?? "RequestLimitExceeded",
      windows: new Map(),
    });
  }

  clear(): void {
    this.#rules = [];
  }

  /** Counts one request, or throws the rule's code when its window is full (a refused request is not counted). */
  check(service: string, action: string, now: number): void {
    const rule = this.#rules.find((r) => r.service === service) ?? this.#rules.find((r) => r.service === undefined);
    if (!rule) return;
    const key = rule.per === "action" ? `${service}:${action}` : service;
    const window = rule.windows.get(key) ?? [];
    while (window.length > 0 && (window[0] as number) <= now - 1000) window.shift();
    if (window.length >= rule.perSecond) {
      throw new CloudApiError(
        rule.code,
        `the request rate exceeds ${rule.perSecond} per second for ${rule.per === "action" ? `${service}:${action}` : service}`,
      );
    }
    window.push(now);
    rule.windows.set(key, window);
  }
}
