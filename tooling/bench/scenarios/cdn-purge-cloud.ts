// The local cloud of the cdn-purge benchmark, in a process of its own so that its CPU time is read apart from the
// function's. One JSON line on stdout once started ({endpoint, credentials}); then, for each command line on stdin,
// one JSON line back:
//   cpu               {"cpuMs"}: the CPU time (user + system) this process has used so far
//   reset             forgets the Cloud API's calls, quotas and throttling, and the request log
//   throttle <n|off>  the account's rate: n requests a second for the CDN service's actions together
//   stats <prefix>    what the Cloud API and COS saw since the last reset (see CloudStats), and the queue's keys
import { createInterface } from "node:readline";
import { startLocalCloud } from "@cosfn/local-cloud";
import { BENCH_BUCKET, BENCH_DOMAIN, type CloudStats } from "./cdn-purge-count.ts";

const cloud = await startLocalCloud({
  buckets: [BENCH_BUCKET],
  // A mainland-only domain: a purge without Area (Tencent's demo) spends the mainland quota only, as cdn-purge's.
  cdnDomains: [{ domain: BENCH_DOMAIN, area: "mainland" }],
  requestLogLimit: 2_000_000,
});
process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] })}\n`);

function stats(prefix: string): CloudStats {
  const calls: CloudStats["calls"] = {};
  const purgedUrls: string[] = [];
  const purgedPaths: string[] = [];
  for (const call of cloud.cloudApi.calls) {
    const outcome = call.error ?? "ok";
    const byOutcome = calls[call.action] ?? {};
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    calls[call.action] = byOutcome;
    if (call.error) continue;
    if (call.action === "PurgeUrlsCache") purgedUrls.push(...(call.params.Urls as string[]));
    if (call.action === "PurgePathCache") purgedPaths.push(...(call.params.Paths as string[]));
  }
  const cos: Record<string, number> = {};
  for (const entry of cloud.requests.entries) {
    if (entry.service !== "cos") continue;
    const action = (entry.action ?? `${entry.method} ?`).replace(/^name\/cos:/, "");
    cos[action] = (cos[action] ?? 0) + 1;
  }
  const queued = cloud.store.list(BENCH_BUCKET, { prefix, maxKeys: 10_000_000 }).objects.map((object) => object.key);
  return {
    calls,
    purgedUrls,
    purgedPaths,
    used: { url: cloud.cloudApi.used("url:mainland"), path: cloud.cloudApi.used("path:mainland") },
    cos,
    queued,
  };
}

createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, argument = ""] = line.trim().split(/\s+/, 2);
  let answer: unknown = { ok: true };
  if (command === "cpu") {
    const { user, system } = process.cpuUsage();
    answer = { cpuMs: (user + system) / 1000 };
  } else if (command === "reset") {
    cloud.cloudApi.reset();
    cloud.requests.clear();
  } else if (command === "throttle") {
    cloud.cloudApi.throttle(argument === "off" ? undefined : Number(argument), { service: "cdn" });
  } else if (command === "stats") {
    answer = stats(argument);
  } else answer = { error: `unknown command ${JSON.stringify(line)}` };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
process.on("SIGTERM", () => {
  void cloud.close().then(() => process.exit(0));
});
