// The local cloud in a process of its own, so that the benchmark can read its peak memory.
import { startLocalCloud } from "@cosfn/local-cloud";

const cloud = await startLocalCloud({ buckets: ["bench-1250000000"] });
process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] })}\n`);
process.on("SIGTERM", () => {
  if (process.env.COSFN_BENCH_CPU) {
    const { userCPUTime, systemCPUTime } = process.resourceUsage();
    process.stderr.write(`local cloud cpu user ${userCPUTime / 1e6} s, system ${systemCPUTime / 1e6} s\n`);
  }
  void cloud.close().then(() => process.exit(0));
});
