// The local cloud in a process of its own, so that the benchmark can read its peak memory.
import { startLocalCloud } from "@cosfn/local-cloud";

const cloud = await startLocalCloud({ buckets: ["bench-1250000000"] });
process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] })}\n`);
process.on("SIGTERM", () => {
  void cloud.close().then(() => process.exit(0));
});
