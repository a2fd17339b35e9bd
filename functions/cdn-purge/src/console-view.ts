import type { CosClient } from "@cosfn/cos";
import type { ConsoleView, ConsoleViewCell, ConsoleViewData, ConsoleViewSection } from "@cosfn/local-cloud";
import { EnvReader } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import { parseQueueKey, type QueuedKind } from "./queue.ts";

/**
 * cdn-purge's view in the local web console (`cosfn dev`): the URLs its queue holds now, and the purges it sent,
 * as the local cloud's Cloud API recorded them. Loaded by `cosfn dev` only, never by `src/index.ts`, so it is not
 * in the deployed bundle.
 */

/** One Cloud API call as the local cloud recorded it. */
export interface RecordedCall {
  service: string;
  action: string;
  params: unknown;
  at: Date;
  /** The error code answered, if any. */
  error?: string;
}

/** What the view needs from `cosfn dev`. */
export interface CdnPurgeViewContext {
  /** The function's settings (serverless.yml's and its trigger's `env`): its mode and queue. */
  env: Record<string, string>;
  /** A COS client for a bucket (in its region), on the local cloud. */
  cos(bucket: string): CosClient;
  /** The Cloud API calls the local cloud recorded, oldest first. */
  cloudApiCalls(): readonly RecordedCall[];
}

/** Rows of each section at most, newest first. */
export const ROW_LIMIT = 200;
export const QUEUED_COLUMNS = ["kind", "target", "queued at", "entries"];
export const PURGED_COLUMNS = ["time", "provider", "action", "domain", "urls", "outcome"];

/** The Cloud API actions that purge or prefetch, by service, and what each does to the cache. */
const CACHE_ACTIONS: Record<string, Record<string, string>> = {
  cdn: { PurgeUrlsCache: "purge URLs", PurgePathCache: "purge prefixes", PushUrlsCache: "prefetch" },
  teo: { CreatePurgeTask: "purge", CreatePrefetchTask: "prefetch" },
};
const PROVIDERS: Record<string, string> = { cdn: "CDN", teo: "EdgeOne" };

export function consoleView(ctx: CdnPurgeViewContext): Pick<ConsoleView, "title" | "load"> {
  return { title: "Queued and purged URLs", load: () => loadView(ctx) };
}

async function loadView(ctx: CdnPurgeViewContext): Promise<ConsoleViewData> {
  let config: Config;
  try {
    config = loadConfig(new EnvReader(ctx.env));
  } catch (error) {
    const note = `cdn-purge's settings are not valid: ${(error as Error).message}`;
    return { sections: [{ title: "Queued", note, columns: [], rows: [] }, purgedSection(ctx.cloudApiCalls())] };
  }
  const queued = await queuedSection(ctx, config);
  return { sections: [queued, purgedSection(ctx.cloudApiCalls())] };
}

/** What the queue holds now: one row per target, with how many entries ask for it and when it was last queued. */
async function queuedSection(ctx: CdnPurgeViewContext, config: Config): Promise<ConsoleViewSection> {
  const title = "Queued";
  if (!config.queueBucket)
    return {
      title,
      note: "PURGE_MODE=direct without QUEUE_BUCKET: nothing is queued, each invocation purges at once",
      columns: [],
      rows: [],
    };
  const bucket = config.queueBucket;
  const cos = ctx.cos(bucket);
  const targets = new Map<string, { kind: QueuedKind; target: string; at: Date; entries: number }>();
  try {
    for await (const object of cos.list(bucket, { prefix: config.queuePrefix })) {
      const entry = parseQueueKey(config.queuePrefix, object.key);
      if (!entry) continue;
      const target = entry.target ?? (await cos.readBuffer(bucket, entry.key).catch(() => undefined))?.toString("utf8");
      if (target === undefined) continue; // flushed since the listing
      const id = `${entry.kind} ${target}`;
      const seen = targets.get(id);
      if (seen) {
        seen.entries++;
        if (object.lastModified > seen.at) seen.at = object.lastModified;
      } else targets.set(id, { kind: entry.kind, target, at: object.lastModified, entries: 1 });
    }
  } catch (error) {
    return { title, note: `could not list the queue in ${bucket}: ${(error as Error).message}`, columns: [], rows: [] };
  }
  const rows = [...targets.values()]
    .sort((a, b) => b.at.getTime() - a.at.getTime() || a.target.localeCompare(b.target))
    .map((t): ConsoleViewCell[] => [t.kind, t.target, t.at.toISOString(), t.entries]);
  const mode =
    config.mode === "queued" ? "the next flush (the timer) purges them" : "quota refusals wait here for a flush";
  return {
    title,
    note: `${count(rows.length, "target")} in ${bucket} under ${config.queuePrefix}, the most recently queued first; ${mode}`,
    columns: QUEUED_COLUMNS,
    rows: rows.slice(0, ROW_LIMIT),
  };
}

/** The purges and prefetches sent, newest first: one row per call and domain. */
function purgedSection(calls: readonly RecordedCall[]): ConsoleViewSection {
  const rows: ConsoleViewCell[][] = [];
  for (const call of [...calls].reverse()) {
    const what = CACHE_ACTIONS[call.service]?.[call.action];
    if (!what) continue;
    const params = (call.params ?? {}) as { Urls?: unknown; Paths?: unknown; Targets?: unknown; Type?: unknown };
    const targets = [params.Urls, params.Paths, params.Targets].find(Array.isArray) as unknown[] | undefined;
    const byDomain = new Map<string, string[]>();
    for (const target of (targets ?? []).map(String)) {
      const domain = originOf(target);
      byDomain.set(domain, [...(byDomain.get(domain) ?? []), target]);
    }
    const action = typeof params.Type === "string" ? `${call.action} (${params.Type})` : call.action;
    for (const [domain, urls] of byDomain)
      rows.push([
        call.at.toISOString(),
        PROVIDERS[call.service] ?? call.service,
        action,
        domain,
        urls.join("\n"),
        call.error ? `failed: ${call.error}` : "ok",
      ]);
  }
  return {
    title: "Purged",
    note: `${count(rows.length, "row")} (one per call and domain), the newest first, as the local cloud's Cloud API recorded them`,
    columns: PURGED_COLUMNS,
    rows: rows.slice(0, ROW_LIMIT),
  };
}

/** `https://static.example.com` for a URL; a bare host (EdgeOne's `purge_host`) as it is. */
function originOf(target: string): string {
  try {
    const url = new URL(target);
    return url.origin === "null" ? target : url.origin;
  } catch {
    return target;
  }
}

function count(n: number, noun: string): string {
  return n > ROW_LIMIT ? `the newest ${ROW_LIMIT} of ${n} ${noun}s` : `${n} ${noun}${n === 1 ? "" : "s"}`;
}
