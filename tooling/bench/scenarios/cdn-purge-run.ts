// One phase of the cdn-purge benchmark in a process of its own (the "function process"), against the local cloud
// of cdn-purge-cloud.ts; prints what it measured as one JSON line (RunResult). The phase, from the JSON argument:
//   demo     Tencent's demo: one PurgeUrlsCache call per invocation for its first record (no Area, no retry)
//   enqueue  cdn-purge with PURGE_MODE=queued: each upload's invocation writes its URL to the queue
//   flush    cdn-purge's timer invocation: purges everything queued
//   direct   cdn-purge with PURGE_MODE=direct (and a queue for quota refusals)
// Uploads are invoked as SCF does for a bulk upload: one invocation per record, on `instances` warm instances
// (fresh imports of the function's module, each with its own config, clients and rate limiter) that each run one
// invocation at a time. An invocation that throws is invoked again up to `scfRetries` times (SCF's async retries,
// here at once). With `seconds`, no invocation starts after that many seconds; those started finish.
import { cosEvent } from "@cosfn/events";
import { scfContext } from "@cosfn/local-cloud";
import type { HandlerSummary, ScfContext } from "@cosfn/runtime";
import { Client } from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_client.js";
import { cloudApiClientConfig } from "../../../functions/cdn-purge/src/providers/cloud-api-client.ts";
import { BENCH_BUCKET, BENCH_DOMAIN, uploadKey } from "./cdn-purge-count.ts";

export interface RunOptions {
  phase: "demo" | "enqueue" | "flush" | "direct";
  endpoint: string;
  secretId: string;
  secretKey: string;
  uploads: number;
  folders: number;
  instances: number;
  /** Stop starting invocations after this many seconds (0: no cap). */
  seconds: number;
  queuePrefix: string;
  /** cdn-purge's RATE_LIMIT (requests a second per instance). */
  rateLimit: number;
  scfRetries: number;
}

export interface RunResult {
  /** Wall time of the phase, and the CPU time (user + system) of this process during it. */
  ms: number;
  cpuMs: number;
  /** Uploads whose invocation ran (all of them unless `seconds` stopped the run). */
  uploads: number;
  /** Invocations, SCF's retries included, and how many of them were retries. */
  invocations: number;
  retries: number;
  /** Uploads whose every invocation failed. */
  failedKeys: string[];
  peakRss: number;
  /** The flush's summary detail. */
  detail?: unknown;
}

type Invoke = (event: unknown) => Promise<void>;

const options: RunOptions = JSON.parse(process.argv[2] as string);
const context = (): ScfContext =>
  scfContext({ function_name: "cdn-purge", memory_limit_in_mb: 256, time_limit_in_ms: 900_000 });

/** Tencent's demo as a warm instance: one SDK client, and per invocation one call with the first record's URL. */
function demoInstance(): Invoke {
  const client = new Client(
    cloudApiClientConfig({
      credentials: { secretId: options.secretId, secretKey: options.secretKey },
      host: "cdn.tencentcloudapi.com",
      endpoint: options.endpoint,
    }),
  );
  return async (event) => {
    const record = (event as { Records: { cos: { cosObject: { key: string } } }[] }).Records[0];
    // cosObject.key is /<appid>/<bucket name>/<key>.
    const key = record?.cos.cosObject.key.split("/").slice(3).join("/");
    await client.PurgeUrlsCache({ Urls: [`https://${BENCH_DOMAIN}/${key}`] });
  };
}

type MainHandler = (event: unknown, context: ScfContext) => Promise<HandlerSummary>;

/** A fresh import of cdn-purge's module: a warm instance, configured from the environment at its first invocation. */
async function cdnPurgeHandler(n: number): Promise<MainHandler> {
  const url = new URL("../../../functions/cdn-purge/src/index.ts", import.meta.url);
  url.searchParams.set("instance", String(n));
  return ((await import(url.href)) as { main_handler: MainHandler }).main_handler;
}

async function cdnPurgeInstance(n: number): Promise<Invoke> {
  const main_handler = await cdnPurgeHandler(n);
  return async (event) => {
    const summary = await main_handler(event, context());
    // Not thrown: SCF would not retry it either; counted as failed.
    if (summary.failed > 0) throw Object.assign(new Error("records failed, not retryable"), { final: true });
  };
}

function uploadEvent(key: string): unknown {
  return cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: BENCH_BUCKET, region: "ap-guangzhou", key, size: 1 });
}

Object.assign(process.env, {
  COSFN_COS_ENDPOINT: options.endpoint,
  COSFN_CLOUD_API_ENDPOINT: options.endpoint,
  TENCENTCLOUD_SECRETID: options.secretId,
  TENCENTCLOUD_SECRETKEY: options.secretKey,
  COSFN_LOG_LEVEL: "error",
  CDN_DOMAINS: `https://${BENCH_DOMAIN}`,
  PURGE_MODE: options.phase === "direct" ? "direct" : "queued",
  QUEUE_BUCKET: BENCH_BUCKET,
  QUEUE_PREFIX: options.queuePrefix,
  RATE_LIMIT: String(options.rateLimit),
});

const instances: Invoke[] = [];
for (let n = 0; n < (options.phase === "flush" ? 0 : options.instances); n++) {
  instances.push(options.phase === "demo" ? demoInstance() : await cdnPurgeInstance(n));
}
const flushHandler = options.phase === "flush" ? await cdnPurgeHandler(0) : undefined;

const started = performance.now();
const cpuBefore = process.cpuUsage();
const result: Omit<RunResult, "ms" | "cpuMs" | "peakRss"> = { uploads: 0, invocations: 0, retries: 0, failedKeys: [] };
if (flushHandler) {
  const timer = { Type: "Timer", TriggerName: "flush", Time: new Date().toISOString(), Message: "" };
  const summary = await flushHandler(timer, context()).catch((error: { summary?: HandlerSummary }) => {
    if (!error.summary) throw error;
    return error.summary;
  });
  result.invocations = 1;
  result.detail = summary.records[0]?.detail ?? summary.records[0];
  if (summary.failed > 0) result.failedKeys.push("(flush)");
} else {
  const deadline = options.seconds > 0 ? started + options.seconds * 1000 : Number.POSITIVE_INFINITY;
  let next = 0;
  const worker = async (invoke: Invoke) => {
    while (next < options.uploads && performance.now() < deadline) {
      const key = uploadKey(next++, options.folders);
      result.uploads++;
      const event = uploadEvent(key);
      for (let attempt = 0; ; attempt++) {
        result.invocations++;
        if (attempt > 0) result.retries++;
        try {
          await invoke(event);
          break;
        } catch (error) {
          if ((error as { final?: boolean }).final || attempt >= options.scfRetries) {
            result.failedKeys.push(key);
            break;
          }
        }
      }
    }
  };
  await Promise.all(instances.map(worker));
}
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const done: RunResult = {
  ms,
  cpuMs: (cpu.user + cpu.system) / 1000,
  peakRss: process.resourceUsage().maxRSS * 1024,
  ...result,
};
process.stdout.write(`${JSON.stringify(done)}\n`);
process.exit(0);
