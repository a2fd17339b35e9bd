// Benchmark: db-sync against the goals of issue 13, each phase in a fresh "function" process (db-sync-run.ts)
// against the local cloud in another (db-sync-cloud.ts), so that each process's CPU time is read on its own, and
// the real PostgreSQL (--pg-url, default postgres://postgres@127.0.0.1:5432/test):
//   triggers   issue 13's figure, through the local cloud's triggers: a COS trigger rule (created and removed
//              events under data/) bound to db-sync in the local cloud, whose triggers run at most --instances
//              (16) invocations at once (`triggers: { concurrency }`); each invocation is handed over HTTP to the
//              function process (db-sync-run.ts `serve`: 16 warm instances, one invocation at a time each); this
//              process puts --objects (10,000) objects with @cosfn/cos (the COS SDK), --uploaders (16) at once,
//              and samples pg_stat_activity every 10 ms: records/s from the first put until the triggers are idle
//   events     the comparison WITHOUT the triggers: --objects (10,000) objects seeded straight into the local cloud's store (no trigger), then one
//              cos:ObjectCreated:Put invocation per object on --instances (16) warm instances, one invocation at a
//              time each (16 at once): records/s, the most connections PostgreSQL saw from the instances at once
//   latency    --latency-records (2,000) records on one warm store, one after the other: withKey + decide + write
//              with the HEAD stubbed (the goal's figure), and with the real HEAD, and the HEAD alone
//   reconcile  --reconcile-objects (100,000) objects; one timer invocation against an empty table, the next one on
//              the same table (with RECONCILE_DETAILS=next-pass, --details, it HEADs every row's details), then
//              one against a drifted table (5% of the objects overwritten, 5% of the rows deleted, 5% extra
//              rows); each against the per-row baseline (list, then one HEAD + one withKey write per key) run
//              in the same run on --baseline-sample keys and EXTRAPOLATED to all of them
// Run by `cosfn bench`:  npm run bench -- db-sync --runs 3
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCosClient } from "@cosfn/cos";
import pg from "pg";
import { type Metric, report } from "../src/metrics.ts";
import { BENCH_BUCKET, BENCH_REGION, benchKey, extrapolateBaseline, quantile } from "./db-sync-keys.ts";
import type { RunOptions, RunResult } from "./db-sync-run.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    objects: { type: "string", default: "10000" },
    instances: { type: "string", default: "16" },
    uploaders: { type: "string", default: "16" },
    "pool-size": { type: "string", default: "2" },
    "latency-records": { type: "string", default: "2000" },
    "reconcile-objects": { type: "string", default: "100000" },
    "baseline-sample": { type: "string", default: "5000" },
    "pg-url": { type: "string", default: "postgres://postgres@127.0.0.1:5432/test" },
    // RECONCILE_DETAILS of the reconcile passes: next-pass (the function's default) or at-once.
    details: { type: "string", default: "next-pass" },
    parts: { type: "string", default: "triggers,events,latency,reconcile" },
    // A folder: the local cloud's process and the triggers part's function process write V8 CPU profiles there.
    "cpu-prof": { type: "string" },
  },
  // `cosfn bench` passes every scenario the options given for any of them.
  strict: false,
});
const option = (name: keyof typeof values) => Number(values[name]);
const runs = option("runs");
const objects = option("objects");
const instances = option("instances");
const poolSize = option("pool-size");
const reconcileObjects = option("reconcile-objects");
const sample = Math.min(option("baseline-sample"), reconcileObjects);
const adminUrl = String(values["pg-url"]);
const parts = new Set(String(values.parts).split(","));
const details = String(values.details) === "at-once" ? "at-once" : "next-pass";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const profileDir = values["cpu-prof"] === undefined ? undefined : String(values["cpu-prof"]);
const tsx = ["--import", "tsx", ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [])];
const server = spawn(process.execPath, [...tsx, here("db-sync-cloud.ts"), String(instances)], {
  stdio: ["pipe", "pipe", "inherit"],
});
const serverLines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
const nextLine = async () => JSON.parse((await serverLines.next()).value as string);
const ready: { endpoint: string; credentials: { secretId: string; secretKey: string } } = await nextLine();
async function ask<T>(command: string): Promise<T> {
  server.stdin.write(`${command}\n`);
  const answer = (await nextLine()) as T & { error?: string };
  if (answer.error) throw new Error(`local cloud: ${command}: ${answer.error}`);
  return answer;
}
const serverCpuMs = async () => (await ask<{ cpuMs: number }>("cpu")).cpuMs;

/** The whole machine's busy CPU time (all processes: PostgreSQL's too), from /proc/stat, in ms. */
function machineBusyMs(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] as string).trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100;
}

interface Phase {
  run: RunResult;
  /** CPU of the local cloud's process, and of the whole machine, during the phase. */
  cloudCpuMs: number;
  machineCpuMs: number;
  requests: Record<string, number>;
}

const tag = `${process.pid}`;
const appName = `cosfn-bench-db-sync-${tag}`;
const withAppName = (url: string) => `${url}${url.includes("?") ? "&" : "?"}application_name=${appName}`;

async function phase(
  name: RunOptions["phase"],
  table: string,
  extra: Partial<RunOptions> = {},
  objectCount = objects,
): Promise<Phase> {
  const runOptions: RunOptions = {
    phase: name,
    endpoint: ready.endpoint,
    secretId: ready.credentials.secretId,
    secretKey: ready.credentials.secretKey,
    dbUrl: withAppName(adminUrl),
    appName,
    adminUrl,
    table,
    objects: objectCount,
    instances,
    sample,
    poolSize,
    ...extra,
  };
  await ask("reset");
  const cloudBefore = await serverCpuMs();
  const machineBefore = machineBusyMs();
  const child = spawnSync(process.execPath, [...tsx, here("db-sync-run.ts"), JSON.stringify(runOptions)], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const machineCpuMs = machineBusyMs() - machineBefore;
  if (child.status !== 0) throw new Error(`phase ${name} failed: ${child.stderr}`);
  const cloudCpuMs = (await serverCpuMs()) - cloudBefore;
  const run: RunResult = JSON.parse(child.stdout.trim().split("\n").at(-1) as string);
  return { run, cloudCpuMs, machineCpuMs, requests: await ask("requests") };
}

interface TriggersPhase {
  run: RunResult;
  /** From the first put until the triggers were idle, and until the last put was answered. */
  ms: number;
  putMs: number;
  cloudCpuMs: number;
  machineCpuMs: number;
  /** This process: the SDK's puts and the connection sampler. */
  uploaderCpuMs: number;
  maxConnections: number;
  connectionSamples: number;
  idle: { invocations: number; succeeded: number; failed: number; mostRunning: number; firstErrors: string[] };
  requests: Record<string, number>;
}

/** Counts the instances' connections (by application_name) every 10 ms until stopped; the most seen at once. */
async function sampleConnections(): Promise<() => Promise<{ most: number; samples: number }>> {
  const sampler = new pg.Client({ connectionString: adminUrl, application_name: "cosfn-bench-sampler" });
  await sampler.connect();
  let most = 0;
  let samples = 0;
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      const { rows } = await sampler.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
        [appName],
      );
      most = Math.max(most, rows[0].n as number);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return async () => {
    sampling = false;
    await loop;
    await sampler.end();
    return { most, samples };
  };
}

/** `objects` puts through the SDK, the local cloud's triggers invoking db-sync in the function process. */
async function triggersPhase(table: string, r: number): Promise<TriggersPhase> {
  const runOptions: RunOptions = {
    phase: "serve",
    endpoint: ready.endpoint,
    secretId: ready.credentials.secretId,
    secretKey: ready.credentials.secretKey,
    dbUrl: withAppName(adminUrl),
    appName,
    adminUrl,
    table,
    objects,
    instances,
    sample,
    poolSize,
  };
  const child = spawn(process.execPath, [...tsx, here("db-sync-run.ts"), JSON.stringify(runOptions)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const childLines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const childLine = async () => {
    const line = await childLines.next();
    if (line.done) throw new Error(`the function process (serve) ended early with status ${await exited}`);
    return JSON.parse(line.value);
  };
  const { url } = await childLine();
  await ask(`bind ${url}`);
  const cos = createCosClient({
    region: BENCH_REGION,
    credentials: { secretId: ready.credentials.secretId, secretKey: ready.credentials.secretKey },
    endpoint: ready.endpoint,
  });
  // Warm the SDK's connections, so the measurement does not start with their handshakes (not under data/: no trigger).
  await Promise.all(
    Array.from({ length: Number(values.uploaders) }, (_, i) =>
      cos.writeObject({ bucket: BENCH_BUCKET, key: `warm/${i}`, body: "warm" }),
    ),
  );
  await ask("reset");
  child.stdin.write("begin\n");
  await childLine();
  const stopSampling = await sampleConnections();
  const cloudBefore = await serverCpuMs();
  const machineBefore = machineBusyMs();
  const uploaderBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.uploaders) }, async () => {
      while (next < objects) {
        const i = next++;
        await cos.writeObject({
          bucket: BENCH_BUCKET,
          key: benchKey(i),
          body: `object ${i} run ${r}\n`,
          contentType: "text/plain",
        });
      }
    }),
  );
  const putMs = performance.now() - started;
  const idle = await ask<TriggersPhase["idle"]>("idle");
  const ms = performance.now() - started;
  const uploaderUsed = process.cpuUsage(uploaderBefore);
  const machineCpuMs = machineBusyMs() - machineBefore;
  const cloudCpuMs = (await serverCpuMs()) - cloudBefore;
  const connections = await stopSampling();
  child.stdin.write("end\n");
  const run: RunResult = await childLine();
  child.stdin.end();
  await exited;
  await ask("unbind");
  return {
    run,
    ms,
    putMs,
    cloudCpuMs,
    machineCpuMs,
    uploaderCpuMs: (uploaderUsed.user + uploaderUsed.system) / 1000,
    maxConnections: connections.most,
    connectionSamples: connections.samples,
    idle,
    requests: await ask("requests"),
  };
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
const notes: string[] = [
  `load average (1, 5, 15 min) at the start: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(", ")}: the machine is shared; its other processes take CPU from every phase`,
  `RECONCILE_DETAILS=${details} for every reconcile pass`,
  `PostgreSQL ${adminUrl.replace(/\/\/[^@]*@/, "//")} (the machine's server); DB_POOL_SIZE=${poolSize}; COS is the local cloud (its own process, HEADs are real HTTP requests)`,
  "CPU: user + system time of the function process during the phase, of the local cloud's process, of the PostgreSQL backends serving the function process (/proc/<pid>/stat of the pids pg_stat_activity gives for its application_name, 10 ms ticks; a backend that ended during the phase is not counted), and of the rest of the machine (/proc/stat minus those: other engineers' processes)",
];
const tables: string[] = [];
const newTable = (label: string, r: number) => {
  const name = `bench_ds_${label}_${tag}_${r}`;
  tables.push(name);
  return name;
};
const seeded = { count: 0 };
async function seedTo(count: number) {
  if (seeded.count >= count) return;
  process.stderr.write(`  seeding objects ${seeded.count} to ${count} into the local cloud's store...\n`);
  for (let from = seeded.count; from < count; from += 10_000)
    await ask(`seed ${from} ${Math.min(count, from + 10_000)}`);
  seeded.count = count;
}

/** The figures of one reconcile pass against its per-row baseline, for the empty and the drifted table alike. */
function reportReconcile(table: string, pass: Phase, base: Phase): void {
  const baseMs = extrapolateBaseline(base.run.listMs ?? 0, base.run.loopMs ?? 0, sample, reconcileObjects);
  const baseline = `reconcile, ${table}: per-row baseline, EXTRAPOLATED`;
  figure(baseline, "ms", baseMs);
  figure(`reconcile, ${table}: speed-up over the baseline`, "x", baseMs / pass.run.ms);
  figure(`reconcile, ${table}: wall time`, "ms", pass.run.ms, baseline);
  figure(`reconcile, ${table}: function CPU`, "ms", pass.run.cpuMs);
  figure(`reconcile, ${table}: local-cloud CPU`, "ms", pass.cloudCpuMs);
  figure(`reconcile, ${table}: PostgreSQL backends' CPU`, "ms", pass.run.dbCpuMs ?? 0);
  figure(`reconcile, ${table}: function process's cores busy (CPU / wall)`, "cores", pass.run.cpuMs / pass.run.ms);
  figure(
    `reconcile, ${table}: rest of the machine's CPU (other processes)`,
    "ms",
    Math.max(0, pass.machineCpuMs - pass.run.cpuMs - pass.cloudCpuMs - (pass.run.dbCpuMs ?? 0)),
  );
  figure(`reconcile, ${table}: COS HEADs`, "requests", pass.requests.HeadObject ?? 0);
  figure(`baseline, ${table}: loop time per key (sampled)`, "µs", (1000 * (base.run.loopMs ?? 0)) / sample);
}

try {
  for (let r = 1; r <= runs; r++) {
    process.stderr.write(`db-sync run ${r} of ${runs}\n`);
    if (parts.has("triggers")) {
      process.stderr.write(
        `  triggers: ${objects} puts through the SDK, the local cloud's triggers invoking db-sync ${instances} at once...\n`,
      );
      const t = await triggersPhase(newTable("tr", r), r);
      const delivered = t.idle.succeeded;
      figure("triggers: records/s (first put until the triggers are idle)", "records/s", delivered / (t.ms / 1000));
      figure("triggers: wall time", "ms", t.ms);
      figure("triggers: the puts alone (until the last put was answered)", "ms", t.putMs);
      figure("triggers: invocations succeeded", "invocations", t.idle.succeeded);
      figure("triggers: invocations failed (no retries)", "invocations", t.idle.failed);
      figure("triggers: current rows after", "rows", t.run.rows ?? 0);
      figure("triggers: most invocations running at once (local cloud)", "invocations", t.idle.mostRunning);
      figure("triggers: most invocations running at once (function process)", "invocations", t.run.mostRunning ?? 0);
      figure("triggers: instances started beyond the 16 warm ones", "instances", t.run.extraInstances ?? 0);
      figure("triggers: most connections held (pg_stat_activity)", "connections", t.maxConnections);
      figure("triggers: most connections held per instance", "connections", t.maxConnections / instances);
      figure("triggers: function CPU per record", "ms/record", t.run.cpuMs / objects);
      figure("triggers: local-cloud CPU per record (puts, triggers, HEADs)", "ms/record", t.cloudCpuMs / objects);
      figure("triggers: PostgreSQL backends' CPU per record", "ms/record", (t.run.dbCpuMs ?? 0) / objects);
      figure("triggers: uploader CPU per record (SDK puts, sampler)", "ms/record", t.uploaderCpuMs / objects);
      figure(
        "triggers: rest of the machine's CPU per record (other processes)",
        "ms/record",
        Math.max(0, t.machineCpuMs - t.run.cpuMs - t.cloudCpuMs - (t.run.dbCpuMs ?? 0) - t.uploaderCpuMs) / objects,
      );
      figure("triggers: function process's cores busy (CPU / wall)", "cores", t.run.cpuMs / t.ms);
      figure("triggers: local cloud's cores busy (CPU / wall)", "cores", t.cloudCpuMs / t.ms);
      figure("triggers: PostgreSQL backends' cores busy (CPU / wall)", "cores", (t.run.dbCpuMs ?? 0) / t.ms);
      figure("triggers: machine's cores busy, all processes (CPU / wall)", "cores", t.machineCpuMs / t.ms);
      notes.push(
        `triggers, run ${r}: ${t.connectionSamples} connection samples; load average ${loadavg()
          .map((n) => n.toFixed(1))
          .join(
            ", ",
          )} after; COS requests ${JSON.stringify(t.requests)}${t.idle.firstErrors.length ? `; first errors ${JSON.stringify(t.idle.firstErrors)}` : ""}`,
      );
      // The puts overwrote objects 0..objects-1 (same keys as the seeded ones): the seeded count is unchanged.
    }

    if (parts.has("events")) {
      await seedTo(objects);
      process.stderr.write(
        `  events (comparison, no triggers): ${objects} single-record invocations on ${instances} instances...\n`,
      );
      const events = await phase("events", newTable("ev", r));
      const rate = (objects - events.run.failed) / (events.run.ms / 1000);
      figure("direct calls (no triggers): records/s", "records/s", rate);
      figure("direct calls (no triggers): wall time", "ms", events.run.ms);
      figure(
        "direct calls (no triggers): most connections held (pg_stat_activity)",
        "connections",
        events.run.maxConnections ?? 0,
      );
      figure(
        "direct calls (no triggers): most connections held per instance",
        "connections",
        (events.run.maxConnections ?? 0) / instances,
      );
      figure("direct calls (no triggers): failed invocations", "invocations", events.run.failed);
      figure("direct calls (no triggers): current rows after", "rows", events.run.rows ?? 0);
      figure("direct calls (no triggers): function CPU per record", "ms/record", events.run.cpuMs / objects);
      figure("direct calls (no triggers): local-cloud CPU per record", "ms/record", events.cloudCpuMs / objects);
      figure(
        "direct calls (no triggers): function process's cores busy (CPU / wall)",
        "cores",
        events.run.cpuMs / events.run.ms,
      );
      figure(
        "direct calls (no triggers): PostgreSQL backends' cores busy (CPU / wall)",
        "cores",
        (events.run.dbCpuMs ?? 0) / events.run.ms,
      );
      figure(
        "direct calls (no triggers): PostgreSQL backends' CPU per record",
        "ms/record",
        (events.run.dbCpuMs ?? 0) / objects,
      );
      figure(
        "direct calls (no triggers): rest of the machine's CPU per record (other processes)",
        "ms/record",
        Math.max(0, events.machineCpuMs - events.run.cpuMs - events.cloudCpuMs - (events.run.dbCpuMs ?? 0)) / objects,
      );
      figure(
        "direct calls (no triggers): COS HEADs per record",
        "requests",
        (events.requests.HeadObject ?? 0) / objects,
      );
      if (r === 1)
        notes.push(
          `direct calls (no triggers), run 1: ${events.run.connectionSamples} connection samples; COS requests ${JSON.stringify(events.requests)}`,
        );
    }

    if (parts.has("latency")) {
      await seedTo(option("latency-records"));
      process.stderr.write(`  latency: ${option("latency-records")} records one after the other...\n`);
      const lat = await phase("latency", newTable("lat", r), {}, option("latency-records"));
      const stubbed = lat.run.stubbed ?? [];
      // In µs: the harness prints ms without decimals.
      const us = (ms: number) => ms * 1000;
      figure("latency: withKey + decide + write, HEAD stubbed (median)", "µs", us(quantile(stubbed, 0.5)));
      figure("latency: withKey + decide + write, HEAD stubbed (p95)", "µs", us(quantile(stubbed, 0.95)));
      figure("latency: the record with the real HEAD (median)", "µs", us(quantile(lat.run.total ?? [], 0.5)));
      figure("latency: the HEAD alone (median)", "µs", us(quantile(lat.run.head ?? [], 0.5)));
      figure("latency: function CPU per record, HEAD stubbed", "µs", us(lat.run.cpuMs / stubbed.length));
      figure(
        "latency: PostgreSQL backends' CPU per record, HEAD stubbed",
        "µs",
        us((lat.run.dbCpuMs ?? 0) / Math.max(1, stubbed.length)),
      );
      figure("latency: records that wrote nothing (should be 0)", "records", lat.run.failed);
    }

    if (parts.has("reconcile")) {
      await seedTo(reconcileObjects);
      const table = newTable("rc", r);
      const baseTable = newTable("rb", r);
      process.stderr.write(`  reconcile: per-row baseline on ${sample} of ${reconcileObjects} keys, empty table...\n`);
      const baseEmpty = await phase("baseline", baseTable, {}, reconcileObjects);
      process.stderr.write(`  reconcile: ${reconcileObjects} objects against an empty table (${details})...\n`);
      const empty = await phase("reconcile", table, { details }, reconcileObjects);
      reportReconcile("empty table", empty, baseEmpty);
      // With next-pass, the rows of the empty table's pass came from the listing alone: the next pass HEADs every
      // one of them and fills in its details (CRC-64, content type, version id, metadata).
      process.stderr.write("  reconcile: the next pass over the same table (details)...\n");
      const filled = await phase("reconcile", table, { details }, reconcileObjects);
      reportReconcile("the pass after the empty table's (details)", filled, baseEmpty);
      figure(
        "reconcile, empty table, both passes (rows, then details): speed-up over the baseline",
        "x",
        extrapolateBaseline(baseEmpty.run.listMs ?? 0, baseEmpty.run.loopMs ?? 0, sample, reconcileObjects) /
          (empty.run.ms + filled.run.ms),
      );
      figure("reconcile, empty table, both passes: wall time", "ms", empty.run.ms + filled.run.ms);
      figure(
        "baseline, empty table: function CPU per key (sampled, listing included)",
        "µs",
        (1000 * baseEmpty.run.cpuMs) / sample,
      );
      figure(
        "baseline, empty table: PostgreSQL backends' CPU per key (sampled)",
        "µs",
        (1000 * (baseEmpty.run.dbCpuMs ?? 0)) / sample,
      );
      figure("baseline: listing time", "ms", baseEmpty.run.listMs ?? 0);

      process.stderr.write("  reconcile: drifting the bucket and the table by 5% each way...\n");
      await ask(`overwrite 20 1 run${r}`);
      const drifted = await phase("drift", table, {}, reconcileObjects);
      process.stderr.write(`  reconcile: per-row baseline on ${sample} keys, drifted...\n`);
      const baseDrift = await phase("baseline", baseTable, {}, reconcileObjects);
      process.stderr.write(`  reconcile: ${reconcileObjects} objects against the drifted table...\n`);
      const drift = await phase("reconcile", table, { details }, reconcileObjects);
      reportReconcile("drifted table", drift, baseDrift);
      if (r === 1) {
        notes.push(
          `reconcile run 1, empty: ${JSON.stringify(empty.run.detail)}; COS requests ${JSON.stringify(empty.requests)}`,
          `reconcile run 1, the next pass (details): ${JSON.stringify(filled.run.detail)}; COS requests ${JSON.stringify(filled.requests)}`,
          `reconcile run 1, drift applied: ${JSON.stringify(drifted.run.detail)} and every 20th object overwritten; the pass: ${JSON.stringify(drift.run.detail)}; COS requests ${JSON.stringify(drift.requests)}`,
        );
      }
    }
  }
} finally {
  await phase("drop", "", { tables }).catch(() => undefined);
  server.kill("SIGTERM");
}
notes.push(
  `load average at the end: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(", ")}`,
  `reconcile's baseline: the bucket listed whole (measured), then one HEAD and one withKey write per key, one key after the other, timed on the first ${sample} keys and EXTRAPOLATED to ${reconcileObjects} (listing + loop x ${reconcileObjects}/${sample}); it does not delete the table's extra rows (it only visits listed keys), so it does less than reconcile on the drifted table`,
  "latency: HEAD stubbed means syncObject with a COS client whose head answers at once (a new ETag each time, so every record writes its row); the store is PostgreSQL's with its pool warm",
);
report({
  scenario: "db-sync",
  description:
    "db-sync against its goals: 10,000 single-record invocations on 16 instances into PostgreSQL, warm latency without the HEAD, reconcile of 100,000 objects against the per-row baseline",
  metrics,
  notes,
});
