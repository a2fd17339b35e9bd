// The local cloud of the db-sync benchmark, in a process of its own so that its CPU time is read apart from the
// function's. One JSON line on stdout once started ({endpoint, credentials}); then, for each command line on stdin,
// one JSON line back:
//   cpu                         {"cpuMs"}: the CPU time (user + system) this process has used so far
//   seed <from> <to>            puts objects benchKey(from..to-1) straight into the store (no trigger, no request)
//   overwrite <every> <offset> <tag>  rewrites every <every>th object from <offset> (new ETag and size)
//   reset                       forgets the request log
//   requests                    {"<action>": n}: the COS requests since the last reset
//   bind <url>                  binds a COS trigger rule (bucket, data/, created and removed events) to the function
//                               db-sync, whose handler POSTs each invocation ({event, context}) to <url>: the
//                               function process of db-sync-run.ts's `serve` phase, as SCF hands an event to an
//                               instance; the triggers run at most --concurrency (argv[2], default 16) at once
//   idle                        waits until every invocation has ended: {invocations, succeeded, failed, mostRunning}
//   unbind                      removes the rule and forgets the invocations
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { seedObject, startLocalCloud } from "@cosfn/local-cloud";
import { BENCH_BUCKET, BENCH_PREFIX, benchKey } from "./db-sync-keys.ts";

const concurrency = Number(process.argv[2] ?? 16);
// No retries: a failed invocation is counted, not retried a minute later as SCF would.
const cloud = await startLocalCloud({
  buckets: [BENCH_BUCKET],
  requestLogLimit: 2_000_000,
  triggers: { concurrency, retryDelaysMs: [] },
});
process.stdout.write(`${JSON.stringify({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] })}\n`);

let seeded = 0;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const inFlight = { now: 0, most: 0 };

/** Hands one invocation to the function process and waits for its answer; a status other than 200 fails it. */
function forward(url: string, body: string): Promise<unknown> {
  inFlight.now++;
  inFlight.most = Math.max(inFlight.most, inFlight.now);
  return new Promise<unknown>((resolve, reject) => {
    const req = request(url, { method: "POST", agent, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        if (res.statusCode === 200) resolve(JSON.parse(text));
        else reject(new Error(`the function process answered ${res.statusCode}: ${text}`));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  }).finally(() => inFlight.now--);
}

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
  if (name === "bind") {
    const url = args[0] as string;
    cloud.triggers.add({
      bucket: BENCH_BUCKET,
      events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
      prefix: BENCH_PREFIX,
      functionName: "db-sync",
      context: { memory_limit_in_mb: 256, time_limit_in_ms: 900_000 },
      handler: (event, context) => forward(url, JSON.stringify({ event, context })),
    });
    inFlight.most = 0;
    return { ok: true };
  }
  if (name === "idle") {
    await cloud.triggers.idle();
    const statuses = cloud.triggers.invocations.map((invocation) => invocation.status);
    const errors = cloud.triggers.invocations.flatMap((i) => i.attempts.flatMap((a) => a.error?.message ?? []));
    return {
      invocations: statuses.length,
      succeeded: statuses.filter((status) => status === "succeeded").length,
      failed: statuses.filter((status) => status === "failed").length,
      mostRunning: inFlight.most,
      firstErrors: errors.slice(0, 3),
    };
  }
  if (name === "unbind") {
    cloud.triggers.clear();
    cloud.triggers.invocations.length = 0;
    return { ok: true };
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
