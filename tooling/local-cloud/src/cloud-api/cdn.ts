import { randomUUID } from "node:crypto";
import { CloudApiError, checkHeaders, optionalBoolean, optionalChoice, stringList } from "./errors.ts";
import type { DailyQuotas, QuotaDemand } from "./quotas.ts";

export type CdnArea = "mainland" | "overseas";
export const CDN_AREAS: readonly CdnArea[] = ["mainland", "overseas"];

/**
 * A CDN domain of the account. `area` is its acceleration area (default `global`: both); `status` `offline` is a
 * stopped domain; `migrated` says the CDN product was upgraded to EdgeOne for it (`true`:
 * `OperationDenied.ProductUpgraded`) or is being upgraded (`"updating"`: `OperationDenied.ProductUpdating`);
 * `authorized: false` is a domain the caller (a sub-account) may not manage (`UnauthorizedOperation.CdnHostUnauthorized`).
 */
export interface CdnDomain {
  domain: string;
  area?: CdnArea | "global";
  status?: "online" | "offline";
  migrated?: boolean | "updating";
  authorized?: boolean;
}

/** Per call (`*Batch`) and per day and area (`*Day`). The same for both areas. */
export interface CdnLimits {
  urlBatch: number;
  urlDay: number;
  pathBatch: number;
  pathDay: number;
  pushBatch: number;
  pushDay: number;
  /** The longest URL accepted (`InvalidParameter.CdnUrlExceedLength`). Not documented: 1,000 characters is chosen. */
  urlLength: number;
}

/**
 * The documented defaults (SDK 4.0.948 and API pages 228/37870, 228/37871, 228/37869): PurgeUrlsCache 1,000 URLs a
 * call and 10,000 a day per area, PurgePathCache 500 paths a call and 100 a day per area, PushUrlsCache 500 URLs a
 * call and 1,000 a day per area.
 */
export const CDN_LIMITS: Readonly<CdnLimits> = {
  urlBatch: 1000,
  urlDay: 10_000,
  pathBatch: 500,
  pathDay: 100,
  pushBatch: 500,
  pushDay: 1000,
  urlLength: 1000,
};

const PARAM = "InvalidParameter.CdnParamError";

type Kind = "url" | "path" | "push";

const KINDS: Record<Kind, { batch: keyof CdnLimits; day: keyof CdnLimits; batchCode: string; dayCode: string }> = {
  url: {
    batch: "urlBatch",
    day: "urlDay",
    batchCode: "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
    dayCode: "LimitExceeded.CdnPurgeUrlExceedDayLimit",
  },
  path: {
    batch: "pathBatch",
    day: "pathDay",
    batchCode: "LimitExceeded.CdnPurgePathExceedBatchLimit",
    dayCode: "LimitExceeded.CdnPurgePathExceedDayLimit",
  },
  push: {
    batch: "pushBatch",
    day: "pushDay",
    batchCode: "LimitExceeded.CdnPushExceedBatchLimit",
    dayCode: "LimitExceeded.CdnPushExceedDayLimit",
  },
};

const WHAT: Record<Kind, string> = { url: "URL purges", path: "directory purges", push: "URL prefetches" };

/** The CDN API (2018-06-06) actions the local cloud serves. */
export class CdnApi {
  limits: CdnLimits;
  readonly #domains: Map<string, Required<CdnDomain>> | undefined;
  readonly #quotas: DailyQuotas;

  constructor(options: { domains?: readonly (string | CdnDomain)[]; limits: CdnLimits; quotas: DailyQuotas }) {
    this.limits = options.limits;
    this.#quotas = options.quotas;
    this.#domains =
      options.domains && new Map(options.domains.map((d) => normalizeDomain(d)).map((d) => [d.domain, d]));
  }

  /** The answer to an action, or `undefined` when it is not one of the CDN actions served. */
  call(action: string, params: Record<string, unknown>): Record<string, unknown> | undefined {
    switch (action) {
      case "PurgeUrlsCache":
        return this.#submit("url", stringList(params, "Urls", PARAM), params);
      case "PurgePathCache":
        optionalChoiceRequired(params, "FlushType", ["flush", "delete"]);
        return this.#submit("path", stringList(params, "Paths", PARAM), params);
      case "PushUrlsCache":
        optionalChoice(params, "Layer", ["middle"], PARAM);
        for (const name of ["ParseM3U8", "DisableRange"]) optionalBoolean(params, name, PARAM);
        if (params.UserAgent !== undefined && typeof params.UserAgent !== "string")
          throw new CloudApiError(PARAM, "UserAgent must be a string");
        // Documented: at most 20 headers, names up to 128 bytes, values up to 1,024 bytes.
        checkHeaders(params, { count: 20, nameBytes: 128, valueBytes: 1024 }, PARAM);
        return this.#submit("push", stringList(params, "Urls", PARAM), params);
      case "DescribePurgeQuota":
        return { UrlPurge: this.quota("url"), PathPurge: this.quota("path") };
      case "DescribePushQuota":
        return { UrlPush: this.quota("push") };
      default:
        return undefined;
    }
  }

  /** DescribePurgeQuota's / DescribePushQuota's `Quota` list: `{Area, Batch, Total, Available}` for each area. */
  quota(kind: Kind): { Area: CdnArea; Batch: number; Total: number; Available: number }[] {
    const { batch, day } = KINDS[kind];
    return CDN_AREAS.map((area) => ({
      Area: area,
      Batch: this.limits[batch],
      Total: this.limits[day],
      Available: this.#quotas.available(`${kind}:${area}`, this.limits[day]),
    }));
  }

  #submit(kind: Kind, urls: string[], params: Record<string, unknown>): Record<string, unknown> {
    const { batch, day, batchCode, dayCode } = KINDS[kind];
    optionalBoolean(params, "UrlEncode", PARAM);
    if (urls.length === 0) throw new CloudApiError(PARAM, `${kind === "path" ? "Paths" : "Urls"} is empty`);
    if (urls.length > this.limits[batch]) {
      throw new CloudApiError(batchCode, `at most ${this.limits[batch]} per request, got ${urls.length}`);
    }
    const asked = kind === "push" ? pushAreas(params.Area) : purgeArea(params.Area);
    const demands: QuotaDemand[] = urls.flatMap((url) =>
      this.#areasOf(url, kind, asked).map((area) => ({
        key: `${kind}:${area}`,
        count: 1,
        daily: this.limits[day],
        code: dayCode,
        what: `${WHAT[kind]} in ${area}`,
      })),
    );
    this.#quotas.spend(demands);
    return { TaskId: taskId() };
  }

  /** The areas a URL spends quota in, after checking it and its domain; `asked` is the request's Area, if any. */
  #areasOf(url: string, kind: Kind, asked: CdnArea[] | undefined): CdnArea[] {
    const match = /^https?:\/\/([^/?#]+)/i.exec(url);
    if (!match) throw new CloudApiError(PARAM, `${JSON.stringify(url)} is not a URL with http:// or https://`);
    if (url.length > this.limits.urlLength) {
      throw new CloudApiError(
        "InvalidParameter.CdnUrlExceedLength",
        `URL longer than ${this.limits.urlLength} characters: ${url.slice(0, 60)}...`,
      );
    }
    // Documented for wildcard domains (`*.example.com`); a `*` in the path is refused too: neither API has
    // wildcard purges or prefetches, so a `*` is a client's mistake rather than a literal character.
    if (url.includes("*")) {
      const code =
        kind === "push" ? "InvalidParameter.CdnPushWildcardNotAllowed" : "InvalidParameter.CdnPurgeWildcardNotAllowed";
      throw new CloudApiError(code, `wildcards are not allowed: ${url}`);
    }
    const host = (match[1] as string).toLowerCase().replace(/:\d+$/, "");
    const domain = this.#domain(host, kind);
    const served: CdnArea[] = domain.area === "global" ? [...CDN_AREAS] : [domain.area];
    // Without Area a purge covers the domain's acceleration areas (documented); a prefetch defaults to mainland.
    const areas = asked ?? served;
    const missing = areas.find((area) => !served.includes(area));
    if (missing) {
      // Documented ("the Area must match the domain's acceleration area") but not its code: CdnParamError is chosen.
      throw new CloudApiError(
        PARAM,
        `Area ${missing} does not match the acceleration area (${domain.area}) of the domain ${host}`,
      );
    }
    return areas;
  }

  #domain(host: string, kind: Kind): Required<CdnDomain> {
    if (!this.#domains) return normalizeDomain(host);
    const domain = this.#domains.get(host);
    if (!domain) {
      throw new CloudApiError(
        "ResourceNotFound.CdnHostNotExists",
        `domain ${host} is not a CDN domain of this account`,
      );
    }
    if (domain.migrated === true) {
      throw new CloudApiError(
        "OperationDenied.ProductUpgraded",
        `the CDN service of ${host} has been upgraded to EdgeOne: use EdgeOne's CreatePurgeTask/CreatePrefetchTask`,
      );
    }
    if (domain.migrated === "updating") {
      throw new CloudApiError("OperationDenied.ProductUpdating", `the domain ${host} is being upgraded to EdgeOne`);
    }
    if (!domain.authorized) {
      throw new CloudApiError(
        "UnauthorizedOperation.CdnHostUnauthorized",
        `the sub-account is not authorized for the CDN domain ${host}`,
      );
    }
    if (domain.status === "offline") {
      // PushUrlsCache lists ResourceUnavailable.CdnHostIsNotOnline ("the domain is offline: prefetch cannot be
      // submitted"); the purge APIs do not list it, but list InvalidParameter.CdnHostInvalidStatus.
      if (kind === "push")
        throw new CloudApiError("ResourceUnavailable.CdnHostIsNotOnline", `the domain ${host} is offline`);
      throw new CloudApiError("InvalidParameter.CdnHostInvalidStatus", `the domain ${host} is offline`);
    }
    return domain;
  }
}

function normalizeDomain(domain: string | CdnDomain): Required<CdnDomain> {
  const config = typeof domain === "string" ? { domain } : domain;
  return {
    domain: config.domain.toLowerCase(),
    area: config.area ?? "global",
    status: config.status ?? "online",
    migrated: config.migrated ?? false,
    authorized: config.authorized ?? true,
  };
}

/** A purge's Area: mainland or overseas, or none (the domain's areas). */
function purgeArea(area: unknown): CdnArea[] | undefined {
  if (area === undefined) return undefined;
  if (area === "mainland" || area === "overseas") return [area];
  throw new CloudApiError(PARAM, `Area must be mainland or overseas, got ${JSON.stringify(area)}`);
}

/** A prefetch's Area: mainland (the default), overseas, or global (both, spending both areas' quotas). */
function pushAreas(area: unknown): CdnArea[] {
  if (area === undefined || area === "mainland") return ["mainland"];
  if (area === "overseas") return ["overseas"];
  if (area === "global") return [...CDN_AREAS];
  throw new CloudApiError(PARAM, `Area must be mainland, overseas or global, got ${JSON.stringify(area)}`);
}

function optionalChoiceRequired(params: Record<string, unknown>, name: string, values: readonly string[]): void {
  if (optionalChoice(params, name, values, PARAM) === undefined) {
    throw new CloudApiError(PARAM, `${name} is required: ${values.join(" or ")}`);
  }
}

function taskId(): string {
  return `${Date.now().toString(16)}-${randomUUID().slice(0, 8)}`;
}
