import { randomUUID } from "node:crypto";
import { CloudApiError, checkHeaders, optionalBoolean, optionalChoice, stringList } from "./errors.ts";
import type { DailyQuotas, QuotaDemand } from "./quotas.ts";

/** The quota types of DescribeContentQuota (`Quota.Type`), plus edge prefetching's own daily quota. */
export type TeoQuotaType =
  | "purge_url"
  | "purge_prefix"
  | "purge_host"
  | "purge_all"
  | "purge_cache_tag"
  | "prefetch_url"
  | "prefetch_edge";

export interface TeoQuota {
  batch: number;
  daily: number;
}

/**
 * An EdgeOne zone (site): its id, the hosts it serves (without them, any host; with them, a target on another
 * host is a partial failure in `FailedList`), and its plan's quotas.
 */
export interface TeoZone {
  zoneId: string;
  /** Exact hosts, or `*.example.com` for every subdomain. */
  hosts?: readonly string[];
  quotas?: Partial<Record<TeoQuotaType, TeoQuota>>;
}

/**
 * Default plan quotas. EdgeOne's quotas depend on the plan and are documented only as "see the plan comparison"
 * (1552/77380), so these are chosen to be plausible, not measured: read them with DescribeContentQuota, as a
 * client must. `prefetch_edge` is edge-mode prefetching's separate 1,000 a day (documented on CreatePrefetchTask's
 * `Mode`); DescribeContentQuota does not list it.
 */
export const TEO_DEFAULT_QUOTAS: Readonly<Record<TeoQuotaType, TeoQuota>> = {
  purge_url: { batch: 1000, daily: 10_000 },
  purge_prefix: { batch: 100, daily: 1000 },
  purge_host: { batch: 100, daily: 1000 },
  purge_all: { batch: 1, daily: 10 },
  purge_cache_tag: { batch: 100, daily: 1000 },
  prefetch_url: { batch: 1000, daily: 10_000 },
  prefetch_edge: { batch: 1000, daily: 1000 },
};

const PURGE_TYPES = ["purge_url", "purge_prefix", "purge_host", "purge_all", "purge_cache_tag"] as const;
type PurgeType = (typeof PURGE_TYPES)[number];

const PARAM = "InvalidParameter.ParameterError";
/** The Reason in FailedList of a target on a host the zone does not serve (not documented: chosen). */
export const HOST_NOT_IN_ZONE = "the domain of the target is not a domain of the zone";

interface Zone {
  zoneId: string;
  hosts: readonly string[] | undefined;
  quotas: Record<TeoQuotaType, TeoQuota>;
}

interface TargetFailure {
  pattern: RegExp | string;
  reason: string;
  times: number | undefined;
  used: number;
}

/** The EdgeOne API (teo 2022-09-01) content actions the local cloud serves. */
export class TeoApi {
  readonly #zones: Map<string, Zone> | undefined;
  readonly #quotas: DailyQuotas;
  readonly #failing: TargetFailure[] = [];
  readonly #unconfigured = new Map<string, Zone>();

  constructor(options: { zones?: readonly (string | TeoZone)[]; quotas: DailyQuotas }) {
    this.#quotas = options.quotas;
    this.#zones = options.zones && new Map(options.zones.map((z) => normalizeZone(z)).map((z) => [z.zoneId, z]));
  }

  /** Targets matching `pattern` fail partially (in FailedList, with `reason`), `times` times or always. */
  failTargets(pattern: RegExp | string, options: { reason?: string; times?: number } = {}): void {
    this.#failing.push({ pattern, reason: options.reason ?? "injected failure", times: options.times, used: 0 });
  }

  clearFailures(): void {
    this.#failing.length = 0;
  }

  /** The answer to an action, or `undefined` when it is not one of the EdgeOne actions served. */
  call(action: string, params: Record<string, unknown>): Record<string, unknown> | undefined {
    switch (action) {
      case "CreatePurgeTask":
        return this.#purge(params);
      case "CreatePrefetchTask":
        return this.#prefetch(params);
      case "DescribeContentQuota":
        return this.#describeQuota(params);
      default:
        return undefined;
    }
  }

  #purge(params: Record<string, unknown>): Record<string, unknown> {
    const zoneId = requiredZoneId(params);
    const type = params.Type as PurgeType;
    if (!PURGE_TYPES.includes(type)) {
      throw new CloudApiError(PARAM, `Type must be one of ${PURGE_TYPES.join(", ")}, got ${JSON.stringify(type)}`);
    }
    optionalChoice(params, "Method", ["invalidate", "delete"], PARAM);
    optionalBoolean(params, "EncodeUrl", PARAM); // deprecated, accepted
    if (type === "purge_all") {
      if (zoneId === "*") throw new CloudApiError(PARAM, "ZoneId * is not supported with Type purge_all");
      const zone = this.#zone(zoneId);
      this.#spend(zone, "purge_all", 1, 1);
      return { JobId: jobId(), FailedList: [] };
    }
    const targets = stringList(params, "Targets", PARAM);
    if (targets.length === 0) throw new CloudApiError(PARAM, "Targets is empty");
    if (type === "purge_cache_tag") return this.#purgeCacheTag(zoneId, targets, params);
    for (const target of targets) checkTarget(type, target);
    return this.#submit(zoneId, type, targets, (target) => targetHost(type, target));
  }

  #prefetch(params: Record<string, unknown>): Record<string, unknown> {
    const zoneId = requiredZoneId(params);
    const mode = optionalChoice(params, "Mode", ["default", "edge"], PARAM) ?? "default";
    optionalBoolean(params, "EncodeUrl", PARAM); // deprecated, accepted
    optionalChoice(params, "PrefetchMediaSegments", ["on", "off"], PARAM);
    // Header limits are not documented for EdgeOne: CDN's (20 headers, 128-byte names, 1,024-byte values) are used.
    checkHeaders(params, { count: 20, nameBytes: 128, valueBytes: 1024 }, PARAM);
    const targets = stringList(params, "Targets", PARAM);
    if (targets.length === 0) throw new CloudApiError(PARAM, "Targets is empty");
    for (const target of targets) checkTarget("purge_url", target);
    const type = mode === "edge" ? "prefetch_edge" : "prefetch_url";
    return this.#submit(zoneId, type, targets, (target) => targetHost("purge_url", target));
  }

  #purgeCacheTag(zoneId: string, tags: string[], params: Record<string, unknown>): Record<string, unknown> {
    const domains = (params.CacheTag as { Domains?: unknown } | undefined)?.Domains;
    if (!Array.isArray(domains) || domains.length === 0 || domains.some((d) => typeof d !== "string" || d === "")) {
      throw new CloudApiError(PARAM, "CacheTag.Domains is required with Type purge_cache_tag");
    }
    for (const tag of tags) checkTarget("purge_cache_tag", tag);
    // The domains are not targets, so an unknown one cannot be a partial failure: the call fails.
    const zones = new Set(
      (domains as string[]).map((domain) => {
        const zone = this.#zoneOfHost(zoneId, domain.toLowerCase());
        if (!zone) throw new CloudApiError("InvalidParameter.HostNotFound", `the domain ${domain} is not in the zone`);
        return zone;
      }),
    );
    const demands = [...zones].flatMap((zone) => this.#demand(zone, "purge_cache_tag", tags.length, tags.length));
    this.#quotas.spend(demands);
    return { JobId: jobId(), FailedList: [] };
  }

  /** Resolves each target's zone, reports the failing ones, checks batch and daily quotas, and spends them. */
  #submit(
    zoneId: string,
    type: TeoQuotaType,
    targets: string[],
    hostOf: (target: string) => string,
  ): Record<string, unknown> {
    const named = zoneId === "*" ? undefined : this.#zone(zoneId);
    const byZone = new Map<Zone, { submitted: number; accepted: number }>();
    const failures = new Map<string, string[]>();
    const fail = (reason: string, target: string) => failures.set(reason, [...(failures.get(reason) ?? []), target]);
    for (const target of targets) {
      const zone = this.#zoneOfHost(zoneId, hostOf(target));
      // A target the zone does not serve still counts in the named zone's batch: it was submitted.
      const owner = zone ?? named;
      const counts = owner && (byZone.get(owner) ?? { submitted: 0, accepted: 0 });
      if (owner && counts) byZone.set(owner, counts);
      if (counts) counts.submitted++;
      const reason = zone ? this.#injected(target) : HOST_NOT_IN_ZONE;
      if (reason) fail(reason, target);
      else if (counts) counts.accepted++;
    }
    this.#quotas.spend(
      [...byZone].flatMap(([zone, counts]) => this.#demand(zone, type, counts.submitted, counts.accepted)),
    );
    return { JobId: jobId(), FailedList: [...failures].map(([Reason, Targets]) => ({ Reason, Targets })) };
  }

  /** The daily demand of `accepted` targets, after checking that `submitted` fit in one batch (every target submitted counts). */
  #demand(zone: Zone, type: TeoQuotaType, submitted: number, accepted: number): QuotaDemand[] {
    const quota = zone.quotas[type];
    if (submitted > quota.batch) {
      throw new CloudApiError(
        "LimitExceeded.BatchQuota",
        `at most ${quota.batch} ${type} targets per request for ${zone.zoneId}, got ${submitted}`,
      );
    }
    return [
      {
        key: teoQuotaKey(zone.zoneId, type),
        count: accepted,
        daily: quota.daily,
        code: "LimitExceeded.DailyQuota",
        what: `${type} for ${zone.zoneId}`,
      },
    ];
  }

  #spend(zone: Zone, type: TeoQuotaType, submitted: number, accepted: number): void {
    this.#quotas.spend(this.#demand(zone, type, submitted, accepted));
  }

  #describeQuota(params: Record<string, unknown>): Record<string, unknown> {
    const zoneId = requiredZoneId(params);
    if (zoneId === "*") throw new CloudApiError("InvalidParameter.ZoneNotFound", "DescribeContentQuota needs a ZoneId");
    const zone = this.#zone(zoneId);
    const quota = (type: TeoQuotaType) => ({
      Type: type,
      Batch: zone.quotas[type].batch,
      Daily: zone.quotas[type].daily,
      DailyAvailable: this.#quotas.available(teoQuotaKey(zone.zoneId, type), zone.quotas[type].daily),
    });
    return { PurgeQuota: PURGE_TYPES.map(quota), PrefetchQuota: [quota("prefetch_url")] };
  }

  #zone(zoneId: string): Zone {
    if (!this.#zones) return this.#anyZone(zoneId);
    const zone = this.#zones.get(zoneId);
    if (!zone) throw new CloudApiError("InvalidParameter.ZoneNotFound", `zone ${zoneId} does not exist`);
    return zone;
  }

  /** The zone serving `host`: the named zone if it does (or lists no hosts), any zone that does for `*`. */
  #zoneOfHost(zoneId: string, host: string): Zone | undefined {
    if (zoneId !== "*") {
      const zone = this.#zone(zoneId);
      return serves(zone, host) ? zone : undefined;
    }
    // `*` without configured zones: one pseudo-zone `*` with the default quotas takes every target.
    if (!this.#zones) return this.#anyZone("*");
    return [...this.#zones.values()].find((zone) => zone.hosts?.some((pattern) => hostMatches(pattern, host)));
  }

  /** Without configured zones every zone exists, with the default quotas and any host. */
  #anyZone(zoneId: string): Zone {
    const zone = this.#unconfigured.get(zoneId) ?? normalizeZone(zoneId);
    this.#unconfigured.set(zoneId, zone);
    return zone;
  }

  #injected(target: string): string | undefined {
    for (const failure of this.#failing) {
      if (failure.times !== undefined && failure.used >= failure.times) continue;
      const matches =
        typeof failure.pattern === "string" ? target.includes(failure.pattern) : failure.pattern.test(target);
      if (!matches) continue;
      failure.used++;
      return failure.reason;
    }
    return undefined;
  }
}

/** The key of a zone's daily quota in `cloud.cloudApi.used(...)`: `teo:<zoneId>:<type>`. */
export function teoQuotaKey(zoneId: string, type: TeoQuotaType): string {
  return `teo:${zoneId}:${type}`;
}

function normalizeZone(zone: string | TeoZone): Zone {
  const config = typeof zone === "string" ? { zoneId: zone } : zone;
  return {
    zoneId: config.zoneId,
    hosts: config.hosts?.map((host) => host.toLowerCase()),
    quotas: { ...TEO_DEFAULT_QUOTAS, ...config.quotas },
  };
}

function serves(zone: Zone, host: string): boolean {
  return zone.hosts === undefined || zone.hosts.some((pattern) => hostMatches(pattern, host));
}

function hostMatches(pattern: string, host: string): boolean {
  return pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : pattern === host;
}

function requiredZoneId(params: Record<string, unknown>): string {
  const zoneId = params.ZoneId;
  if (typeof zoneId !== "string" || zoneId === "") throw new CloudApiError("MissingParameter", "ZoneId is required");
  return zoneId;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * A malformed target fails the whole call with `InvalidParameter.Target` ("the resource is wrong"): URLs and
 * prefixes need `http://` or `https://` and a host; a purge_host target is a bare hostname without wildcard
 * (documented: `*.test.com` is not accepted); a cache tag is any non-empty text without spaces (chosen).
 */
function checkTarget(type: Exclude<PurgeType, "purge_all">, target: string): void {
  const ok =
    type === "purge_host"
      ? HOSTNAME.test(target)
      : type === "purge_cache_tag"
        ? target !== "" && !/\s/.test(target)
        : /^https?:\/\/[^/?#\s]+/i.test(target) && !/\s/.test(target);
  if (!ok)
    throw new CloudApiError("InvalidParameter.Target", `${JSON.stringify(target)} is not a valid ${type} target`);
}

function targetHost(type: Exclude<PurgeType, "purge_all">, target: string): string {
  if (type === "purge_host") return target.toLowerCase();
  return (/^https?:\/\/([^/?#]+)/i.exec(target)?.[1] ?? "").toLowerCase().replace(/:\d+$/, "");
}

function jobId(): string {
  return `job-${randomUUID()}`;
}
