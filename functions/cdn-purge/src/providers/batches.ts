import { type ApiWhere, type CdnApiError, describeWhere, failureScope, toApiError } from "./errors.ts";
import type { RateLimiter } from "./rate-limit.ts";
import { callWithRetry, type RetryPolicy } from "./retry.ts";
import type { PurgeFailure, PurgeOutcome } from "./types.ts";

/** What one successful call answered: its task, and the targets it reports as failed (EdgeOne's FailedList). */
export interface SentCall {
  task: string | undefined;
  failed?: readonly { targets: readonly string[]; reason: string }[];
}

/** The limits one kind of purge runs within, as far as they are known. */
export interface BatchLimits {
  batch: number;
  dailyAvailable?: number | undefined;
}

export interface PurgeBatchesOptions {
  /** Sends one call for these targets (at most the batch limit of them). */
  send: (targets: string[], signal: AbortSignal | undefined) => Promise<SentCall>;
  /**
   * The limits, cached unless `fresh`; a failure to read them (no permission to ask, say) is not the purge's
   * failure: `fallback` is used instead.
   */
  limits: (fresh: boolean, signal: AbortSignal | undefined) => Promise<BatchLimits>;
  /** The documented batch limit, for when `limits` cannot be read. */
  fallbackBatch: number;
  /** Where the targets go, for messages: their domains, the area or zone. */
  where: (targets: readonly string[]) => ApiWhere;
  /** The host a target is for (a URL's), or undefined when targets are not URLs (hosts, cache tags). */
  hostOf: (target: string) => string | undefined;
  /** A problem that keeps a target from being sent at all (not a URL with a scheme), or undefined. */
  check?: (target: string) => string | undefined;
  limiter: RateLimiter;
  policy: RetryPolicy;
  /** Calls in flight at once. */
  concurrency: number;
  signal?: AbortSignal | undefined;
}

/** Extra calls spent splitting calls refused for one domain or target (or a smaller batch limit), at most. */
const SPLIT_BUDGET = 32;

/** Targets without duplicates, in the order first given. */
export function distinct(targets: readonly string[]): string[] {
  return [...new Set(targets)];
}

/**
 * Purges (or prefetches) targets in as few calls as the batch limit allows, within the rate limit, trying
 * transient failures again; never throws. Every distinct target ends up in `purged` or in `failed`, in the order
 * given. A call refused for one of its domains or targets is split so that the rest is purged; a batch limit
 * smaller than read is re-read and the call split; a daily quota spent mid-list purges what it still allows and
 * fails the rest with `quota: true`, without more calls. When the signal aborts, what finished is returned and
 * the rest is failed with code `DEADLINE` (retryable): a call in flight may or may not have been applied, and
 * purging again is harmless.
 */
export async function purgeInBatches(targets: readonly string[], options: PurgeBatchesOptions): Promise<PurgeOutcome> {
  const { signal } = options;
  const unique = distinct(targets);
  const outcome: PurgeOutcome = { calls: 0, tasks: [], purged: [], failed: [] };
  if (unique.length === 0) return outcome;
  const fail = (list: readonly string[], failure: Omit<PurgeFailure, "target">) => {
    for (const target of list) outcome.failed.push({ target, ...failure });
  };
  const fromError = (error: CdnApiError): Omit<PurgeFailure, "target"> => ({
    code: error.code,
    message: error.message,
    retryable: error.retryable,
    quota: error.quota !== undefined,
  });
  const deadline = (list: readonly string[]) =>
    fail(list, {
      code: "DEADLINE",
      message: `${describeWhere(options.where(list))}: stopped before the call finished (the function's time is up); SCF's retry purges it again`,
      retryable: true,
      quota: false,
    });

  const valid: string[] = [];
  for (const target of unique) {
    const problem = options.check?.(target);
    if (problem === undefined) valid.push(target);
    else fail([target], { code: "INVALID_TARGET", message: problem, retryable: false, quota: false });
  }

  let limits: BatchLimits;
  const readLimits = async (fresh: boolean): Promise<BatchLimits | undefined> => {
    try {
      return await options.limits(fresh, signal);
    } catch {
      signal?.throwIfAborted();
      return undefined;
    }
  };
  try {
    limits = (await readLimits(false)) ?? { batch: options.fallbackBatch };
  } catch {
    deadline(valid);
    return ordered(outcome, unique);
  }

  let splitBudget = SPLIT_BUDGET;
  /** Set once a daily quota refused a call: the rest fails with it, without calls. */
  let dailySpent: CdnApiError | undefined;

  const refused = async (list: string[], error: CdnApiError): Promise<void> => {
    if (error.quota === "daily") {
      const fresh = await readLimits(true);
      const left = fresh?.dailyAvailable;
      if (left !== undefined && left > 0 && left < list.length && splitBudget > 0) {
        splitBudget--;
        await run(list.slice(0, left));
        fail(list.slice(left), fromError(dailySpent ?? error));
        return;
      }
      dailySpent = error;
      fail(list, fromError(error));
      return;
    }
    if (error.quota === "batch" && list.length > 1 && splitBudget > 0) {
      splitBudget--;
      const fresh = await readLimits(true);
      const size = fresh && fresh.batch < list.length ? fresh.batch : Math.ceil(list.length / 2);
      if (fresh) limits = fresh;
      for (let i = 0; i < list.length; i += size) await run(list.slice(i, i + size));
      return;
    }
    const scope = failureScope(error);
    const halves = scope === "host" ? splitByHost(list, options.hostOf) : scope === "target" ? splitInTwo(list) : [];
    if (halves.length > 1 && splitBudget > 0) {
      splitBudget--;
      for (const half of halves) await run(half);
      return;
    }
    fail(list, fromError(error));
  };

  const run = async (list: string[]): Promise<void> => {
    if (list.length === 0) return;
    if (signal?.aborted) return deadline(list);
    if (dailySpent) return fail(list, fromError(dailySpent));
    let answer: SentCall;
    try {
      answer = await callWithRetry((callSignal) => options.send(list, callSignal), {
        limiter: options.limiter,
        policy: options.policy,
        where: options.where(list),
        signal,
        onTry: () => {
          outcome.calls++;
        },
      });
    } catch (error) {
      if (signal?.aborted) return deadline(list);
      try {
        return await refused(list, toApiError(error, options.where(list)));
      } catch {
        // Only an abort while re-reading the limits gets here: what is not yet purged or failed is left to the sweep.
        return;
      }
    }
    if (answer.task) outcome.tasks.push(answer.task);
    const failedHere = new Map<string, string>();
    for (const entry of answer.failed ?? []) for (const target of entry.targets) failedHere.set(target, entry.reason);
    for (const target of list) {
      const reason = failedHere.get(target) ?? failedHere.get(safeDecode(target));
      if (reason === undefined) outcome.purged.push(target);
      else fail([target], targetFailure(reason, options.where([target])));
    }
  };

  const batches: string[][] = [];
  for (let i = 0; i < valid.length; i += limits.batch) batches.push(valid.slice(i, i + limits.batch));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++] as string[];
      await run(batch);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, batches.length)) }, worker));
  return ordered(outcome, unique, signal);
}

/** A target the API reported in FailedList: permanent when the reason says it does not belong, else retryable. */
function targetFailure(reason: string, where: ApiWhere): Omit<PurgeFailure, "target"> {
  const permanent = /not (exist|found|belong|a domain|in the zone)|invalid|不存在|不属于|非法|无效/i.test(reason);
  return {
    code: "TARGET_FAILED",
    message: `${describeWhere(where)}: the API did not purge this target: ${reason || "no reason given"}${permanent ? "; check that the domain belongs to the zone" : "; SCF's retry tries it again"}`,
    retryable: !permanent,
    quota: false,
  };
}

/** Both lists in the order the targets were given; any target neither purged nor failed is failed (never lost). */
function ordered(outcome: PurgeOutcome, unique: readonly string[], signal?: AbortSignal): PurgeOutcome {
  const position = new Map(unique.map((target, i) => [target, i]));
  const seen = new Set([...outcome.purged, ...outcome.failed.map((failure) => failure.target)]);
  for (const target of unique) {
    if (seen.has(target)) continue;
    outcome.failed.push({
      target,
      code: signal?.aborted ? "DEADLINE" : "NOT_CONFIRMED",
      message: signal?.aborted
        ? "stopped before the call finished (the function's time is up); SCF's retry purges it again"
        : "the call's outcome is unknown; SCF's retry purges it again",
      retryable: true,
      quota: false,
    });
  }
  const at = (target: string) => position.get(target) ?? 0;
  outcome.purged.sort((a, b) => at(a) - at(b));
  outcome.failed.sort((a, b) => at(a.target) - at(b.target));
  return outcome;
}

/** Two parts along domain boundaries (the first half of the domains, the rest), or one part for one domain. */
function splitByHost(list: string[], hostOf: (target: string) => string | undefined): string[][] {
  const hosts = distinct(list.map((target) => hostOf(target) ?? ""));
  if (hosts.length < 2) return [list];
  const first = new Set(hosts.slice(0, Math.ceil(hosts.length / 2)));
  const left = list.filter((target) => first.has(hostOf(target) ?? ""));
  return [left, list.filter((target) => !first.has(hostOf(target) ?? ""))];
}

function splitInTwo(list: string[]): string[][] {
  if (list.length < 2) return [list];
  const middle = Math.ceil(list.length / 2);
  return [list.slice(0, middle), list.slice(middle)];
}

function safeDecode(target: string): string {
  try {
    return decodeURI(target);
  } catch {
    return target;
  }
}

/** The lower-cased host of an `http(s)://` URL, or undefined. */
export function urlHost(target: string): string | undefined {
  return /^https?:\/\/([^/?#:]+)/i.exec(target)?.[1]?.toLowerCase();
}

/** Why a target cannot be sent as a URL (no http/https scheme or no host), or undefined when it can. */
export function urlProblem(target: string): string | undefined {
  return urlHost(target) === undefined
    ? `${JSON.stringify(target)} is not a URL with a scheme and a host (http://<domain>/<path>)`
    : undefined;
}
