// The local cloud in a process of its own, so that the benchmark can read its peak memory and, on a line
// `cpu` on stdin, the CPU time it has used so far (a line `{"cpuMs": ...}` on stdout).
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
createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() !== "cpu") return;
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuMs: (user + system) / 1000 })}\n`);
});
process.on("SIGTERM", () => {
  void cloud.close().then(() => process.exit(0));
});
