// Benchmark: cdn-purge against the issue's goals, each phase in a fresh "function" process (cdn-purge-run.ts)
// against the local cloud in another (cdn-purge-cloud.ts), so that each process's CPU time is read on its own:
//   queued  10,000 uploads under 100 folders, each its own invocation, with PURGE_MODE=queued, then the timer's
//           flush: Cloud API calls and URLs purged against Tencent's demo (one PurgeUrlsCache call per upload)
//           measured in the same run on the same local cloud; quota spent; the enqueue's cost (COS PUTs and CPU per
//           upload); the flush's wall and CPU time.
//   direct  the same uploads with PURGE_MODE=direct under the account's 20 requests a second (the local cloud
//           throttles the CDN service's actions together): calls, throttled answers, retries, URLs lost, the rate
//           reached; the run stops starting invocations after --direct-seconds (0: all uploads) and the time for
//           all of them is extrapolated from the rate. The demo runs under the same throttle and cap.
// Run by `cosfn bench`:  npm run bench -- cdn-purge --runs 3
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Metric, report } from "../src/metrics.ts";
import { type CloudStats, countCalls, lostUrls, throttledCalls, uploadKey } from "./cdn-purge-count.ts";
import type { RunOptions, RunResult } from "./cdn-purge-run.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    uploads: { type: "string", default: "10000" },
    folders: { type: "string", default: "100" },
    instances: { type: "string", default: "8" },
    "direct-seconds": { type: "string", default: "60" },
    "rate-limit": { type: "string", default: "20" },
    "scf-retries": { type: "string", default: "2" },
    parts: { type: "string", default: "queued,direct" },
  },
  // `cosfn bench` passes every scenario the options given for any of them.
  strict: false,
});
const option = (name: keyof typeof values) => Number(values[name]);
const runs = option("runs");
const uploads = option("uploads");
const folders = option("folders");
const instances = option("instances");
const directSeconds = option("direct-seconds");
const parts = new Set(String(values.parts).split(","));
const RATE = 20;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ["--import", "tsx"];
const server = spawn(process.execPath, [...tsx, here("cdn-purge-cloud.ts")], { stdio: ["pipe", "pipe", "inherit"] });
const serverLines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
const nextLine = async () => JSON.parse((await serverLines.next()).value as string);
const ready: { endpoint: string; credentials: { secretId: string; secretKey: string } } = await nextLine();
async function ask<T>(command: string): Promise<T> {
  server.stdin.write(`${command}\n`);
  return (await nextLine()) as T;
}
const serverCpuMs = async () => (await ask<{ cpuMs: number }>("cpu")).cpuMs;

interface Phase {
  run: RunResult;
  stats: CloudStats;
  serverCpuMs: number;
}

/** Runs one phase in a fresh function process; what the local cloud saw is read after it (since the last reset). */
async function phase(name: RunOptions["phase"], queuePrefix: string, seconds = 0): Promise<Phase> {
  const options: RunOptions = {
    phase: name,
    endpoint: ready.endpoint,
    secretId: ready.credentials.secretId,
    secretKey: ready.credentials.secretKey,
    uploads,
    folders,
    instances,
    seconds,
    queuePrefix,
    rateLimit: option("rate-limit"),
    scfRetries: option("scf-retries"),
  };
  const before = await serverCpuMs();
  const child = spawnSync(process.execPath, [...tsx, here("cdn-purge-run.ts"), JSON.stringify(options)], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`phase ${name} failed: ${child.stderr}`);
  const serverCpu = (await serverCpuMs()) - before;
  const run: RunResult = JSON.parse(child.stdout.trim().split("\n").at(-1) as string);
  return { run, stats: await ask<CloudStats>(`stats ${queuePrefix}`), serverCpuMs: serverCpu };
}

const metrics: Metric[] = [];
const figure = (label: string, unit: string, value: number, baseline?: string) => {
  let metric = metrics.find((m) => m.label === label);
  if (!metric) {
    metric = { label, unit, values: [], ...(baseline !== undefined && { baseline }) };
    metrics.push(metric);
  }
  metric.values.push(value);
};
const keysOf = (count: number) => Array.from({ length: count }, (_, i) => uploadKey(i, folders));
const notes: string[] = [
  `${uploads} uploads under ${folders} folders (bulk/fNN/<i>.jpg), one invocation each, on ${instances} warm instances running one invocation at a time; one domain (mainland); an invocation that throws is invoked again at once, up to ${option("scf-retries")} times (SCF's async retries)`,
  "CPU: user + system time of the function process during the phase, and of the local cloud's process; both share the machine's cores",
];

try {
  for (let r = 1; r <= runs; r++) {
    process.stderr.write(`cdn-purge run ${r} of ${runs}\n`);
    if (parts.has("queued")) {
      const prefix = `.cosfn/cdn-purge/bench-${process.pid}-${r}-queued/`;
      // The demo: one PurgeUrlsCache call per upload, no throttling (the calls counted, not the rate).
      await ask("reset");
      process.stderr.write("  demo, one call per upload...\n");
      const demo = await phase("demo", prefix);
      const all = keysOf(demo.run.uploads);
      figure("demo: Cloud API calls", "calls", countCalls(demo.stats));
      figure("demo: URL quota spent", "URLs", demo.stats.used.url);
      figure("demo: URLs lost", "URLs", lostUrls(all, demo.stats, prefix).length);
      figure("demo: wall time", "ms", demo.run.ms);
      figure("demo: function CPU per upload", "ms/upload", demo.run.cpuMs / demo.run.uploads);
      figure("demo: local-cloud CPU per upload", "ms/upload", demo.serverCpuMs / demo.run.uploads);

      await ask("reset");
      process.stderr.write("  queued: enqueue...\n");
      const enqueue = await phase("enqueue", prefix);
      process.stderr.write("  queued: flush...\n");
      await ask("reset");
      const flush = await phase("flush", prefix);
      const calls = countCalls(enqueue.stats) + countCalls(flush.stats);
      const purgeCalls =
        countCalls(flush.stats, "PurgeUrlsCache", "ok") + countCalls(flush.stats, "PurgePathCache", "ok");
      figure("queued: Cloud API calls, enqueue and flush", "calls", calls, "demo: Cloud API calls");
      figure("queued: purge calls (PurgeUrlsCache + PurgePathCache)", "calls", purgeCalls, "demo: Cloud API calls");
      figure("queued: PurgePathCache paths", "paths", flush.stats.purgedPaths.length);
      figure("queued: PurgeUrlsCache URLs", "URLs", flush.stats.purgedUrls.length);
      figure("queued: URL quota spent", "URLs", flush.stats.used.url, "demo: URL quota spent");
      figure("queued: path quota spent", "paths", flush.stats.used.path);
      figure("queued: URLs lost", "URLs", lostUrls(all, flush.stats, prefix).length);
      figure("queued: entries left in the queue", "keys", flush.stats.queued.length);
      figure("queued: enqueue wall time", "ms", enqueue.run.ms);
      figure("queued: enqueue COS PUTs per upload", "PUTs", (enqueue.stats.cos.PutObject ?? 0) / enqueue.run.uploads);
      figure(
        "queued: enqueue function CPU per upload",
        "ms/upload",
        enqueue.run.cpuMs / enqueue.run.uploads,
        "demo: function CPU per upload",
      );
      figure(
        "queued: enqueue local-cloud CPU per upload",
        "ms/upload",
        enqueue.serverCpuMs / enqueue.run.uploads,
        "demo: local-cloud CPU per upload",
      );
      figure("queued: flush wall time", "ms", flush.run.ms);
      figure("queued: flush function CPU", "ms", flush.run.cpuMs);
      figure("queued: flush local-cloud CPU", "ms", flush.serverCpuMs);
      figure("queued: wall time, enqueue and flush", "ms", enqueue.run.ms + flush.run.ms, "demo: wall time");
      figure(
        "queued: function CPU per upload, enqueue and flush",
        "ms/upload",
        (enqueue.run.cpuMs + flush.run.cpuMs) / enqueue.run.uploads,
        "demo: function CPU per upload",
      );
      figure(
        "queued: local-cloud CPU per upload, enqueue and flush",
        "ms/upload",
        (enqueue.serverCpuMs + flush.serverCpuMs) / enqueue.run.uploads,
        "demo: local-cloud CPU per upload",
      );
      figure(
        "queued: flush COS requests",
        "requests",
        Object.values(flush.stats.cos).reduce((sum, n) => sum + n, 0),
      );
      figure("queued: failed invocations", "invocations", enqueue.run.failedKeys.length + flush.run.failedKeys.length);
      if (r === 1) {
        notes.push(
          `queued goal: at most ceil(${new Set(all).size} unique URLs / 1000) = ${Math.ceil(new Set(all).size / 1000)} purge calls, fewer with escalation (ESCALATE_MIN_URLS=100); URL quota spent at most 10,000`,
          `first flush: ${JSON.stringify(flush.run.detail)}; flush's calls ${JSON.stringify(flush.stats.calls)}; its COS requests ${JSON.stringify(flush.stats.cos)}`,
        );
      }
    }

    if (parts.has("direct")) {
      const prefix = `.cosfn/cdn-purge/bench-${process.pid}-${r}-direct/`;
      for (const who of ["direct", "demo"] as const) {
        await ask("reset");
        await ask(`throttle ${RATE}`);
        process.stderr.write(`  ${who} under ${RATE} requests/s, for at most ${directSeconds || "unlimited"} s...\n`);
        const ran = await phase(who, prefix, directSeconds);
        const label = who === "direct" ? "direct" : "demo at 20/s";
        const done = ran.run.uploads;
        const lost = lostUrls(keysOf(done), ran.stats, prefix).length;
        const purged = ran.stats.purgedUrls.length;
        const rate = purged / (ran.run.ms / 1000);
        figure(`${label}: uploads invoked`, "uploads", done);
        figure(`${label}: wall time`, "ms", ran.run.ms);
        figure(`${label}: URLs purged`, "URLs", purged);
        figure(`${label}: purge rate`, "URLs/s", rate);
        figure(
          `${label}: share of invoked uploads purged or queued`,
          "%",
          done > 0 ? (100 * (done - lost)) / done : 0,
          who === "demo" ? undefined : "demo at 20/s: share of invoked uploads purged or queued",
        );
        figure(`${label}: Cloud API calls`, "calls", countCalls(ran.stats));
        figure(`${label}: throttled answers`, "calls", throttledCalls(ran.stats));
        figure(`${label}: SCF retries (invocations that threw)`, "invocations", ran.run.retries);
        figure(`${label}: uploads failed after SCF's retries`, "uploads", ran.run.failedKeys.length);
        figure(`${label}: URLs queued for the flush`, "URLs", ran.stats.queued.length);
        figure(`${label}: URLs lost`, "URLs", lost);
        figure(`${label}: URL quota spent`, "URLs", ran.stats.used.url);
        figure(`${label}: function CPU per upload`, "ms/upload", ran.run.cpuMs / Math.max(1, done));
        figure(`${label}: local-cloud CPU per upload`, "ms/upload", ran.serverCpuMs / Math.max(1, done));
        if (who === "direct") {
          figure(
            `direct: EXTRAPOLATED time for all ${uploads} uploads at the rate reached`,
            "s",
            rate > 0 ? uploads / rate : Number.POSITIVE_INFINITY,
          );
        }
        if (r === 1) notes.push(`${label}, run 1: calls ${JSON.stringify(ran.stats.calls)}`);
      }
      await ask("throttle off");
    }
  }
} finally {
  server.kill("SIGTERM");
}
notes.push(
  `direct: the local cloud throttles the CDN service at ${RATE} requests a second (all actions together, a sliding one-second window); each instance paces itself at RATE_LIMIT=${option("rate-limit")}; ${
    directSeconds > 0
      ? `no invocation starts after ${directSeconds} s, so the time for all ${uploads} is extrapolated (labelled so) from the URLs purged per second`
      : "every upload ran"
  }; at ${RATE}/s one call per upload needs at least ${uploads / RATE} s`,
);
report({
  scenario: "cdn-purge",
  description:
    "queued mode's calls and quota against Tencent's demo, and direct mode under the account's 20 requests/s",
  metrics,
  notes,
});
