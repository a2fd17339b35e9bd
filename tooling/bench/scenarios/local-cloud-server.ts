// The local cloud in a process of its own, so that the benchmark can read its peak memory and, on a line
// `cpu` on stdin, the CPU time it has used so far (a line `{"cpuMs": ..., "mainThreadCpuMs": ..., "fullGcs": ...}`
// on stdout): all threads, its main thread alone (Linux; from /proc, in steps of the kernel's clock tick), and the
// full (mark-compact) collections so far.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import type { startLocalCloud as StartLocalCloud } from "@cosfn/local-cloud";

// `--console`: with the web console on (its event log keeps every change), as `cosfn dev` runs it.
const withConsole = process.argv.includes("--console");
// `--local-cloud <path>`: another checkout's local cloud (its `src/index.ts`), to compare two versions.
const other = process.argv[process.argv.indexOf("--local-cloud") + 1];
const { startLocalCloud } = (await import(
  process.argv.includes("--local-cloud") && other ? pathToFileURL(other).href : "@cosfn/local-cloud"
)) as { startLocalCloud: typeof StartLocalCloud };
const cloud = await startLocalCloud({ buckets: ["bench-1250000000"], ...(withConsole && { console: {} }) });
process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] })}\n`);
let fullGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
  }
}).observe({ entryTypes: ["gc"] });
const clockTick = (() => {
  try {
    return 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  } catch {
    return undefined;
  }
})();
/** The main thread's CPU time (user and system, ms), where /proc has it. */
function mainThreadCpuMs(): number | undefined {
  if (clockTick === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are the 14th and 15th fields of the line, the 12th and 13th after the name.
    return (Number(fields[11]) + Number(fields[12])) * clockTick;
  } catch {
    return undefined;
  }
}
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "cpu") return;
  const { user, system } = process.cpuUsage();
  process.stdout.write(
    `${JSON.stringify({ cpuMs: (user + system) / 1000, mainThreadCpuMs: mainThreadCpuMs(), fullGcs })}\n`,
  );
});
process.on("SIGTERM", () => {
  void cloud.close().then(() => process.exit(0));
});
