// One phase of the db-sync benchmark in a process of its own (the "function process"), against the local cloud of
// db-sync-cloud.ts and a real database; prints what it measured as one JSON line (RunResult). The phase:
//   events     `objects` single-record invocations (cos:ObjectCreated:Put, one key each) on `instances` warm
//              instances (each `createHandler(dbSync)`, its own pool of DB_POOL_SIZE) running one invocation at a
//              time, as SCF runs them; the connections the database sees from them are sampled (pg_stat_activity,
//              by application_name) every 10 ms
//   serve      the function side of the trigger path: `instances` warm instances behind an HTTP endpoint on
//              127.0.0.1 to which the local cloud's trigger handler POSTs each invocation ({event, context}); each
//              invocation takes an idle instance (a new one is started if none is idle, and counted), as SCF
//              does. Prints {"url"} once listening, then reads stdin: `begin` starts the measurement (answers
//              {"ok"}), `end` ends it and prints the RunResult
//   latency    one warm instance's store: `objects` records one after the other through syncObject with the HEAD
//              stubbed (withKey + decide + write), then the same keys through the handler with the real HEAD, and
//              the HEAD alone
//   reconcile  one timer invocation of the handler (RECONCILE_BUCKET, CLOCK_SKEW=0s, RECONCILE_DETAILS): the whole pass
//   baseline   the per-row loop: lists the bucket (all of it), then for the first `sample` keys, one after the
//              other, one HEAD and one withKey write
//   drift      the table's drift: every 20th row (offset 2) deleted, one extra row after every 20th key (offset 3)
//   drop       drops the tables

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import type { CosClient } from "@cosfn/cos";
import { createCosClient } from "@cosfn/cos";
import { cosEvent, parseCosEvent } from "@cosfn/events";
import { scfContext } from "@cosfn/local-cloud";
import { createHandler, EnvReader, type HandlerSummary, type RecordContext } from "@cosfn/runtime";
import pg from "pg";
import { type Config, loadConfig } from "../../../functions/db-sync/src/config.ts";
import { dbSync } from "../../../functions/db-sync/src/index.ts";
import { observe } from "../../../functions/db-sync/src/observe.ts";
import { syncObject } from "../../../functions/db-sync/src/process-record.ts";
import { createStore, type Resources } from "../../../functions/db-sync/src/resources.ts";
import { decideWrite } from "../../../functions/db-sync/src/row-write.ts";
import type { ConditionalWrite } from "../../../functions/db-sync/src/stores/types.ts";
import { BENCH_BUCKET, BENCH_PREFIX, BENCH_REGION, benchKey, everyNth, extraKey } from "./db-sync-keys.ts";

export interface RunOptions {
  phase: "serve" | "events" | "latency" | "reconcile" | "baseline" | "drift" | "drop";
  endpoint: string;
  secretId: string;
  secretKey: string;
  /** DB_URL of the instances (with application_name=<appName> for PostgreSQL). */
  dbUrl: string;
  /** application_name the instances' connections carry, for counting them in pg_stat_activity. */
  appName: string;
  /** A PostgreSQL URL for the sampler and for drop (no application_name). */
  adminUrl: string;
  table: string;
  tables?: string[];
  objects: number;
  instances: number;
  sample: number;
  poolSize: number;
  /** RECONCILE_DETAILS of the reconcile phase: `next-pass` (the function's default) or `at-once`. */
  details?: "next-pass" | "at-once";
}

export interface RunResult {
  /** Wall time of the phase's measured part, and this process's CPU time (user + system) during it. */
  ms: number;
  cpuMs: number;
  failed: number;
  /** events: the most connections of the instances' application_name seen at once, and samples taken. */
  maxConnections?: number;
  connectionSamples?: number;
  /** latency: per-record times, in ms. */
  stubbed?: number[];
  total?: number[];
  head?: number[];
  /** reconcile: the pass's report; baseline: the listing's time and the loop's. */
  detail?: unknown;
  listMs?: number;
  loopMs?: number;
  rows?: number;
  /** CPU time (user + system) of the PostgreSQL backends serving the instances during the phase, from /proc. */
  dbCpuMs?: number;
  dbBackends?: number;
  /** serve: invocations handled, instances started beyond the warm ones, and the most running at once. */
  invocations?: number;
  extraInstances?: number;
  mostRunning?: number;
}

/** CPU time of one process from /proc/<pid>/stat (utime + stime, in clock ticks of 10 ms), or undefined. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** The PostgreSQL backends serving the instances (by application_name) and their CPU time so far. */
async function backendCpu(): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: options.adminUrl, application_name: "cosfn-bench-sampler" });
  await client.connect();
  const { rows } = await client.query(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
    [options.appName],
  );
  await client.end();
  const cpu = new Map<number, number>();
  for (const row of rows) {
    const ms = processCpuMs(row.pid as number);
    if (ms !== undefined) cpu.set(row.pid as number, ms);
  }
  return cpu;
}

/** What the backends used between two readings (a backend that ended in between is not counted). */
function backendCpuSince(before: Map<number, number>, after: Map<number, number>): { ms: number; backends: number } {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return { ms, backends: after.size };
}

type MainHandler = (event: unknown, context: ReturnType<typeof scfContext>) => Promise<HandlerSummary>;

const options: RunOptions = JSON.parse(process.argv[2] as string);
const context = () =>
  scfContext({ function_name: "db-sync", memory_limit_in_mb: 256, time_limit_in_ms: 900_000, environment: {} });

Object.assign(process.env, {
  COSFN_COS_ENDPOINT: options.endpoint,
  TENCENTCLOUD_SECRETID: options.secretId,
  TENCENTCLOUD_SECRETKEY: options.secretKey,
  COSFN_LOG_LEVEL: "error",
  DB_URL: options.dbUrl,
  DB_TABLE: options.table,
  DB_POOL_SIZE: String(options.poolSize),
  KEY_PREFIX: BENCH_PREFIX,
  RECONCILE_BUCKET: BENCH_BUCKET,
  CLOCK_SKEW: "0s",
  RECONCILE_DETAILS: options.details ?? "next-pass",
});

const putEvent = (key: string) =>
  cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: BENCH_BUCKET, region: BENCH_REGION, key, size: 1 });

/** A warm instance, as SCF starts one: its config and pool are built at its first invocation (a no-op event). */
async function instance(): Promise<MainHandler> {
  const main = createHandler(dbSync) as MainHandler;
  await main(
    cosEvent({
      eventName: "cos:ObjectRestore:Post",
      bucket: BENCH_BUCKET,
      region: BENCH_REGION,
      key: "~warm-up",
      size: 1,
    }),
    context(),
  );
  return main;
}

function openStore() {
  return createStore(loadConfig(new EnvReader(process.env)));
}

const cosClient = (): CosClient =>
  createCosClient({
    region: BENCH_REGION,
    credentials: { secretId: options.secretId, secretKey: options.secretKey },
    endpoint: options.endpoint,
  });

function measure<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return work().then((value) => {
    const used = process.cpuUsage(cpu);
    return { value, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
  });
}

async function events(): Promise<RunResult> {
  const instances: MainHandler[] = [];
  for (let n = 0; n < options.instances; n++) instances.push(await instance());
  const sampler = new pg.Client({ connectionString: options.adminUrl, application_name: "cosfn-bench-sampler" });
  await sampler.connect();
  let maxConnections = 0;
  let samples = 0;
  let sampling = true;
  const sampleLoop = (async () => {
    while (sampling) {
      const { rows } = await sampler.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
        [options.appName],
      );
      maxConnections = Math.max(maxConnections, rows[0].n as number);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  let next = 0;
  let failed = 0;
  const dbBefore = await backendCpu();
  const run = await measure(() =>
    Promise.all(
      instances.map(async (main) => {
        while (next < options.objects) {
          const key = benchKey(next++);
          const summary = await main(putEvent(key), context()).catch(() => undefined);
          if (!summary || summary.failed > 0 || summary.processed !== 1) failed++;
        }
      }),
    ),
  );
  const db = backendCpuSince(dbBefore, await backendCpu());
  sampling = false;
  await sampleLoop;
  const { rows } = await sampler.query(`SELECT count(*)::int AS n FROM "${options.table}" WHERE is_current`);
  await sampler.end();
  return {
    ms: run.ms,
    cpuMs: run.cpuMs,
    failed,
    maxConnections,
    connectionSamples: samples,
    rows: rows[0].n as number,
    dbCpuMs: db.ms,
    dbBackends: db.backends,
  };
}

async function serve(): Promise<RunResult> {
  const idle: MainHandler[] = [];
  for (let n = 0; n < options.instances; n++) idle.push(await instance());
  const counts = { invocations: 0, failed: 0, extraInstances: 0, running: 0, mostRunning: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      counts.invocations++;
      counts.running++;
      counts.mostRunning = Math.max(counts.mostRunning, counts.running);
      let main = idle.pop();
      if (!main) {
        counts.extraInstances++;
        main = await instance();
      }
      try {
        const { event, context: invocationContext } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const summary = await main(event, invocationContext);
        if (summary.failed > 0 || summary.processed !== 1) counts.failed++;
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(summary));
      } catch (error) {
        counts.failed++;
        res.writeHead(500, { "content-type": "text/plain" }).end((error as Error).message);
      } finally {
        counts.running--;
        idle.push(main);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/invoke` })}\n`);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const expect = async (word: string) => {
    const line = (await lines.next()).value as string | undefined;
    if (line?.trim() !== word) throw new Error(`serve: expected ${word} on stdin, got ${JSON.stringify(line)}`);
  };
  await expect("begin");
  const dbBefore = await backendCpu();
  const started = performance.now();
  const cpu = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
  await expect("end");
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  const db = backendCpuSince(dbBefore, await backendCpu());
  server.close();
  server.closeAllConnections();
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${options.table}" WHERE is_current`);
  await client.end();
  return {
    ms,
    cpuMs: (used.user + used.system) / 1000,
    failed: counts.failed,
    rows: rows[0].n as number,
    dbCpuMs: db.ms,
    dbBackends: db.backends,
    invocations: counts.invocations,
    extraInstances: counts.extraInstances,
    mostRunning: counts.mostRunning,
  };
}

async function latency(): Promise<RunResult> {
  const store = openStore();
  await store.migrate();
  const config: Config = loadConfig(new EnvReader(process.env));
  const cos = cosClient();
  // The HEAD stubbed: a fixed object of a new ETag for each key, so each record writes a row (`created`).
  let etag = 0;
  const info = () => ({
    size: 12,
    etag: `etag${etag++}`,
    contentType: "text/plain",
    lastModified: new Date(),
    storageClass: "STANDARD",
    crc64: "1234567890",
    metadata: {},
    versionId: null,
  });
  // Both of @cosfn/cos's reads a HEAD may go through (head, and state with the delete marker).
  const stub = {
    head: async () => info(),
    state: async () => ({ exists: true, info: info() }),
  } as unknown as CosClient;
  const recordContext = (id: string, client: CosClient) =>
    ({ config, resources: { store } as Resources, cos: client, id }) as unknown as RecordContext<Config, Resources>;
  const keys = Array.from({ length: options.objects }, (_, i) => benchKey(i));
  const records = keys.map((key) => parseCosEvent(putEvent(key))[0] as ReturnType<typeof parseCosEvent>[number]);
  // Warm-up: the pool's connections opened and the statements' plans cached, as in a warm instance.
  for (let i = 0; i < 20; i++) await syncObject(records[i] as (typeof records)[number], recordContext(`w${i}`, stub));
  const stubbed: number[] = [];
  const total: number[] = [];
  const head: number[] = [];
  let failed = 0;
  const dbBefore = await backendCpu();
  const run = await measure(async () => {
    for (const [i, record] of records.entries()) {
      const started = performance.now();
      const result = await syncObject(record, recordContext(`s${i}`, stub));
      stubbed.push(performance.now() - started);
      if ((result as { detail?: { result?: string } } | undefined)?.detail?.result === "unchanged") failed++;
    }
  });
  const db = backendCpuSince(dbBefore, await backendCpu());
  // The same records with the real HEAD against the local cloud (the objects exist: the row is overwritten).
  for (const [i, record] of records.entries()) {
    const started = performance.now();
    await syncObject(record, recordContext(`t${i}`, cos));
    total.push(performance.now() - started);
  }
  for (const key of keys) {
    const started = performance.now();
    await observe(cos, BENCH_BUCKET, key);
    head.push(performance.now() - started);
  }
  await store.close();
  return { ms: run.ms, cpuMs: run.cpuMs, failed, stubbed, total, head, dbCpuMs: db.ms, dbBackends: db.backends };
}

async function reconcile(): Promise<RunResult> {
  const main = await instance();
  const timer = { Type: "Timer", TriggerName: "reconcile", Time: new Date().toISOString(), Message: "" };
  const dbBefore = await backendCpu();
  const run = await measure(() => main(timer, context()));
  const db = backendCpuSince(dbBefore, await backendCpu());
  const record = run.value.records[0] as { detail?: unknown } | undefined;
  return {
    ms: run.ms,
    cpuMs: run.cpuMs,
    failed: run.value.failed,
    detail: record?.detail ?? record,
    dbCpuMs: db.ms,
    dbBackends: db.backends,
  };
}

async function baseline(): Promise<RunResult> {
  const store = openStore();
  await store.migrate();
  const cos = cosClient();
  const dbBefore = await backendCpu();
  const run = await measure(async () => {
    const started = performance.now();
    const keys: string[] = [];
    for await (const entry of cos.list(BENCH_BUCKET, { prefix: BENCH_PREFIX })) keys.push(entry.key);
    const listMs = performance.now() - started;
    const loopStarted = performance.now();
    for (const key of keys.slice(0, options.sample)) {
      await store.withKey(BENCH_BUCKET, key, async (current) => {
        const seen = await observe(cos, BENCH_BUCKET, key);
        const write = decideWrite(current, seen, new Date());
        return { ...(write && { write }), result: write?.reason ?? "unchanged" };
      });
    }
    return { listMs, loopMs: performance.now() - loopStarted, listed: keys.length };
  });
  const db = backendCpuSince(dbBefore, await backendCpu());
  await store.close();
  return {
    ms: run.ms,
    cpuMs: run.cpuMs,
    failed: 0,
    listMs: run.value.listMs,
    loopMs: run.value.loopMs,
    rows: run.value.listed,
    dbCpuMs: db.ms,
    dbBackends: db.backends,
  };
}

async function drift(): Promise<RunResult> {
  const store = openStore();
  await store.migrate();
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  const run = await measure(async () => {
    const missing = everyNth(options.objects, 20, 2).map(benchKey);
    await client.query(`DELETE FROM "${options.table}" WHERE bucket = $1 AND key = ANY($2::text[])`, [
      BENCH_BUCKET,
      missing,
    ]);
    const extras: ConditionalWrite[] = everyNth(options.objects, 20, 3).map((i) => ({
      expectedVersion: null,
      write: {
        kind: "upsert",
        observation: {
          exists: true,
          bucket: BENCH_BUCKET,
          key: extraKey(i),
          size: 1,
          etag: "extra",
          crc64: null,
          contentType: null,
          lastModified: new Date(0),
          storageClass: "STANDARD",
          versionId: null,
          userMetadata: {},
        },
        observedAt: new Date(Date.now() - 60_000),
        reason: "created",
      },
    }));
    for (let at = 0; at < extras.length; at += 1000) await store.applyBatch(extras.slice(at, at + 1000));
    return { missing: missing.length, extra: extras.length };
  });
  await client.end();
  await store.close();
  return { ms: run.ms, cpuMs: run.cpuMs, failed: 0, detail: run.value };
}

async function drop(): Promise<RunResult> {
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  for (const table of options.tables ?? []) {
    for (const name of [table, `${table}_history`, `${table}_schema`])
      await client.query(`DROP TABLE IF EXISTS "${name}"`);
  }
  await client.end();
  return { ms: 0, cpuMs: 0, failed: 0 };
}

const phases = { serve, events, latency, reconcile, baseline, drift, drop };
const result = await phases[options.phase]();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
