import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type CamPolicy, camDenied } from "../cam.ts";
import type { Credentials } from "../cos/signature.ts";
import type { RequestDraft } from "../request-log.ts";
import { CDN_LIMITS, CdnApi, type CdnDomain, type CdnLimits } from "./cdn.ts";
import { CloudApiError } from "./errors.ts";
import { DailyQuotas } from "./quotas.ts";
import { cloudApiNeed, header, readBody, send, verifyTc3 } from "./tc3.ts";
import { TeoApi, type TeoQuotaType, type TeoZone, teoQuotaKey } from "./teo.ts";
import { RateLimiter, REAL_RATE_LIMIT, type ThrottleOptions } from "./throttle.ts";

/** One Cloud API 3.0 call the local cloud received, whether it succeeded or not. */
export interface CloudApiCall {
  service: string;
  action: string;
  version: string;
  region: string | undefined;
  params: Record<string, unknown>;
  at: Date;
  /** The error code answered, if any. */
  error?: string;
}

export interface CloudApiFailure {
  /** `cdn:PurgeUrlsCache`, or an action name for any service. */
  action: string;
  code: string;
  message?: string;
  /** How many calls fail; default every one. */
  times?: number;
}

/** What `startLocalCloud({ cloudApi })` and `new CloudApi(...)` take besides credentials, domains and zones. */
export interface CloudApiSettings {
  /** CDN limits per call and per day and area; default `CDN_LIMITS` (the documented ones). */
  cdnLimits?: Partial<CdnLimits>;
  /**
   * Throttle as Tencent Cloud does from the start: 20 requests a second for each action of each service
   * (`throttle(20, { per: "action" })`), kept across `reset()`. Default off.
   */
  realRateLimits?: boolean;
  /**
   * The clock of the daily quotas and of the throttling windows (milliseconds); default `Date.now`. Signatures
   * are always checked against the real time.
   */
  clock?: () => number;
}

export interface CloudApiOptions extends CloudApiSettings {
  credentials: () => readonly Credentials[];
  /**
   * CDN domains of the account: a name (accelerated in both areas, online) or a `CdnDomain`. A purge or
   * prefetch of another host fails with ResourceNotFound.CdnHostNotExists. Default: any host, both areas.
   */
  cdnDomains?: readonly (string | CdnDomain)[];
  /** EdgeOne zones: an id (any host, default quotas) or a `TeoZone`. Default: any zone. */
  teoZones?: readonly (string | TeoZone)[];
  /** The CAM policy of a SecretId, if it has one; calls signed by it must be allowed by it. */
  policyFor?: (secretId: string) => CamPolicy | undefined;
}

/**
 * Tencent Cloud API 3.0 for `cdn` and `teo`: TC3-HMAC-SHA256 verification, a record of every call, the API's
 * JSON answers, and the documented limits (per call, per day and area or zone, per second), plus chosen
 * failures for tests.
 */
export class CloudApi {
  readonly calls: CloudApiCall[] = [];
  readonly #options: CloudApiOptions;
  readonly #failures: (CloudApiFailure & { used: number })[] = [];
  readonly #quotas: DailyQuotas;
  readonly #rate = new RateLimiter();
  readonly #cdn: CdnApi;
  readonly #teo: TeoApi;
  readonly #clock: () => number;

  constructor(options: CloudApiOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#quotas = new DailyQuotas(this.#clock);
    this.#cdn = new CdnApi({
      limits: { ...CDN_LIMITS, ...options.cdnLimits },
      quotas: this.#quotas,
      ...(options.cdnDomains && { domains: options.cdnDomains }),
    });
    this.#teo = new TeoApi({ quotas: this.#quotas, ...(options.teoZones && { zones: options.teoZones }) });
    this.#startThrottle();
  }

  /**
   * Answers past `perSecond` requests a second (`undefined` turns it off): for each service separately, or for
   * `options.service` only; counted per service or per action (`options.per`); with `RequestLimitExceeded` or
   * `options.code`.
   */
  throttle(perSecond: number | undefined, options: ThrottleOptions = {}): void {
    this.#rate.set(perSecond, options);
  }

  /** Make chosen calls fail with a given code. */
  fail(failure: CloudApiFailure): void {
    this.#failures.push({ ...failure, used: 0 });
  }

  /**
   * EdgeOne targets matching `pattern` (a substring or RegExp) fail partially: they are reported in the answer's
   * `FailedList` with `reason` and spend no quota, while the call's other targets succeed.
   */
  failTargets(pattern: RegExp | string, options: { reason?: string; times?: number } = {}): void {
    this.#teo.failTargets(pattern, options);
  }

  /** The CDN limits in force (per call, per day and area). */
  get cdnLimits(): Readonly<CdnLimits> {
    return this.#cdn.limits;
  }

  /** Changes CDN limits (per call, per day and area) until `reset()`, e.g. a small daily quota for a test. */
  setCdnLimits(limits: Partial<CdnLimits>): void {
    this.#cdn.limits = { ...this.#cdn.limits, ...limits };
  }

  /** Forget injected failures, throttling (back to `realRateLimits`), changed limits, the quota used and the calls. */
  reset(): void {
    this.#failures.length = 0;
    this.#teo.clearFailures();
    this.#rate.clear();
    this.#startThrottle();
    this.#cdn.limits = { ...CDN_LIMITS, ...this.#options.cdnLimits };
    this.#quotas.clear();
    this.calls.length = 0;
  }

  /**
   * How much of a daily quota was used today (UTC+8): CDN `url:<area>`, `path:<area>`, `push:<area>`
   * (`mainland`, `overseas`); EdgeOne `teo:<zoneId>:<type>` (see `teoQuotaKey`).
   */
  used(quota: string): number {
    return this.#quotas.used(quota);
  }

  /** How much of an EdgeOne zone's daily quota of a type was used today. */
  usedByZone(zoneId: string, type: TeoQuotaType): number {
    return this.#quotas.used(teoQuotaKey(zoneId, type));
  }

  /** Serves one call; `draft`, if given, is the request log's entry in the making. */
  async handle(req: IncomingMessage, res: ServerResponse, draft?: RequestDraft): Promise<void> {
    const requestId = randomUUID();
    if (draft) draft.requestId = requestId;
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      // The client went away before its request's body arrived: there is no one to answer.
      res.destroy();
      return;
    }
    const action = header(req, "x-tc-action") ?? "";
    const version = header(req, "x-tc-version") ?? "";
    const region = header(req, "x-tc-region");
    let call: CloudApiCall | undefined;
    try {
      if (req.method !== "POST")
        throw new CloudApiError("UnsupportedProtocol", "the local cloud accepts POST requests with a JSON body");
      const secretId = /Credential=([^/,\s]+)\//.exec(header(req, "authorization") ?? "")?.[1];
      if (draft) draft.secretId = secretId ?? null;
      const service = verifyTc3(req, body, this.#options.credentials());
      const need = cloudApiNeed(service, action);
      if (draft) {
        draft.service = service;
        draft.needs = [need];
      }
      const policy = secretId ? this.#options.policyFor?.(secretId) : undefined;
      if (policy && camDenied(policy, [need]).length > 0) {
        if (draft) draft.denied = true;
        throw new CloudApiError(
          "AuthFailure.UnauthorizedOperation",
          `You are not authorized to perform this operation. Check your CAM policies. [[request id:${requestId}]you are not authorized to perform operation (${need.action})\nresource (${need.resource}) has no permission`,
        );
      }
      let params: Record<string, unknown>;
      try {
        params = body.length ? JSON.parse(body.toString("utf8")) : {};
      } catch {
        throw new CloudApiError("InvalidParameter", "the request body is not JSON");
      }
      call = { service, action, version, region, params, at: new Date() };
      this.calls.push(call);
      this.#rate.check(service, action, this.#clock());
      this.#checkFailures(service, action);
      const response = this.#dispatch(service, action, params);
      send(res, { Response: { ...response, RequestId: requestId } });
    } catch (error) {
      const e = error instanceof CloudApiError ? error : new CloudApiError("InternalError", (error as Error).message);
      if (call) call.error = e.code;
      if (draft) draft.errorCode = e.code;
      send(res, { Response: { Error: { Code: e.code, Message: e.message }, RequestId: requestId } });
    }
  }

  #startThrottle(): void {
    if (this.#options.realRateLimits) this.#rate.set(REAL_RATE_LIMIT, { per: "action" });
  }

  #checkFailures(service: string, action: string): void {
    for (const failure of this.#failures) {
      if (failure.action !== action && failure.action !== `${service}:${action}`) continue;
      if (failure.times !== undefined && failure.used >= failure.times) continue;
      failure.used++;
      throw new CloudApiError(failure.code, failure.message ?? `injected failure ${failure.code}`);
    }
  }

  #dispatch(service: string, action: string, params: Record<string, unknown>): Record<string, unknown> {
    const answer =
      service === "cdn"
        ? this.#cdn.call(action, params)
        : service === "teo"
          ? this.#teo.call(action, params)
          : undefined;
    if (!answer) throw new CloudApiError("InvalidAction", `the local cloud does not implement ${service}:${action}`);
    return answer;
  }
}
