// The local cloud of the db-sync benchmark, in a process of its own so that its CPU time is read apart from the
// function's. One JSON line on stdout once started ({endpoint, credentials}); then, for each command line on stdin,
// one JSON line back:
//   cpu                         {"cpuMs"}: the CPU time (user + system) this process has used so far
//   seed <from> <to>            puts objects benchKey(from..to-1) straight into the store (no trigger, no request)
//   overwrite <every> <offset> <tag>  rewrites every <every>th object from <offset> (new ETag and size)
//   reset                       forgets the request log
//   requests                    {"<action>": n}: the COS requests since the last reset
import { createInterface } from "node:readline";
import { seedObject, startLocalCloud } from "@cosfn/local-cloud";
import { BENCH_BUCKET, benchKey } from "./db-sync-keys.ts";

const cloud = await startLocalCloud({ buckets: [BENCH_BUCKET], requestLogLimit: 2_000_000 });
process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] })}\n`);

let seeded = 0;

async function command(line: string): Promise<unknown> {
  const [name, ...args] = line.trim().split(/\s+/);
  const numbers = args.map(Number);
  if (name === "cpu") {
    const { user, system } = process.cpuUsage();
    return { cpuMs: (user + system) / 1000 };
  }
  if (name === "seed") {
    const [from = 0, to = 0] = numbers;
    for (let i = from; i < to; i++) await seedObject(cloud, BENCH_BUCKET, benchKey(i), `object ${i}\n`, "text/plain");
    seeded = Math.max(seeded, to);
    return { seeded };
  }
  if (name === "overwrite") {
    const [every = 20, offset = 0] = numbers;
    let changed = 0;
    for (let i = offset; i < seeded; i += every) {
      await seedObject(cloud, BENCH_BUCKET, benchKey(i), `object ${i} changed ${args[2] ?? ""}\n`, "text/plain");
      changed++;
    }
    return { changed };
  }
  if (name === "reset") {
    cloud.requests.clear();
    return { ok: true };
  }
  if (name === "requests") {
    const counts: Record<string, number> = {};
    for (const entry of cloud.requests.entries) {
      if (entry.service !== "cos") continue;
      const action = (entry.action ?? `${entry.method} ?`).replace(/^name\/cos:/, "");
      counts[action] = (counts[action] ?? 0) + 1;
    }
    return counts;
  }
  return { error: `unknown command ${JSON.stringify(line)}` };
}

// One command at a time, in order: each answer is the line after its command.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on("line", (line) => {
  queue = queue.then(async () => {
    const answer = await command(line).catch((error: Error) => ({ error: error.message }));
    process.stdout.write(`${JSON.stringify(answer)}\n`);
  });
});
process.on("SIGTERM", () => {
  void cloud.close().then(() => process.exit(0));
});
