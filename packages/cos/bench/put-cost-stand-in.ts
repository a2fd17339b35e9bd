// The client's CPU time per PUT Object on the lean path (writeObject) against a stand-in server: a bare node:http
// server in a child process that reads the body and answers 200 at once, or after burning `server-cpu-ms` of
// CPU per request (serially, as a busy server would), or after waiting `server-delay-ms` on a timer (no CPU).
// Compared with put-cost.ts (the local cloud), it separates what the client does from what the server's own work
// costs the client on a machine whose cores the two share.
//   npx tsx packages/cos/bench/put-cost-stand-in.ts [requests=3000] [in-flight=8] [server-cpu-ms=0] [server-delay-ms=0]
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { createCosClient } from "../src/index.ts";

const [requests = 3000, inFlight = 8, serverCpuMs = 0, serverDelayMs = 0] = process.argv
  .slice(2)
  .filter((arg) => arg !== "--server")
  .map(Number);

if (process.argv[2] === "--server") {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = () => {
        res.writeHead(200, { ETag: '"0cc175b9c0f1b6a831c399e269772661"', "Content-Length": "0" });
        res.end();
      };
      const started = performance.now();
      while (performance.now() - started < serverCpuMs) {
        // burning the server's CPU, as the local cloud's hashing and file writes do
      }
      if (serverDelayMs > 0) setTimeout(answer, serverDelayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    process.send?.({ endpoint: `http://127.0.0.1:${port}` });
  });
  process.on("disconnect", () => process.exit(0));
} else {
  const server = fork(new URL(import.meta.url).pathname, ["--server", ...process.argv.slice(2)], {
    execArgv: ["--import", "tsx"],
  });
  const { endpoint } = await new Promise<{ endpoint: string }>((resolve) =>
    server.once("message", resolve as (message: unknown) => void),
  );
  const client = createCosClient({
    region: "ap-guangzhou",
    credentials: { secretId: "stand-in", secretKey: "stand-in" },
    endpoint,
  });
  const body = Buffer.alloc(32768, 97);
  const run = async (count: number, prefix: string) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < count) await client.writeObject({ bucket: "bench-1250000000", key: `${prefix}/${next++}`, body });
      }),
    );
  };
  await run(300, "warm");
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(requests, "measured");
  const used = process.cpuUsage(cpu);
  process.stdout.write(
    `lean path (writeObject) against a stand-in answering after ${serverCpuMs} ms of CPU and ${serverDelayMs} ms of waiting: ` +
      `${((used.user + used.system) / 1000 / requests).toFixed(3)} ms of client CPU per PUT of ${body.length} bytes ` +
      `(user ${(used.user / 1000 / requests).toFixed(3)}), ${inFlight} in flight, ` +
      `${(requests / ((performance.now() - started) / 1000)).toFixed(0)} PUTs/s\n`,
  );
  server.disconnect();
}
