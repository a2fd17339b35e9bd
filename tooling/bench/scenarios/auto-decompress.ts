// Benchmark: auto-decompress against the goals, each extraction in a fresh "function" process
// against the local cloud in another:
//   - one 1 GiB entry: throughput (uncompressed bytes/s) against `unzip` extracting the same zip to local disk;
//   - peak memory of the function process for a 1 GiB and a 4 GiB archive;
//   - 20,000 entries of 1-64 KiB: entries per second;
//   - bytes read from COS to extract one small entry from a 2 GiB zip.
// Needs the `zip` and `unzip` commands. Run by `cosfn bench`:  npm run bench -- auto-decompress --big 1GiB
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCosClient } from "@cosfn/cos";
import { LOCAL_CLOUD_NODE_FLAGS } from "@cosfn/local-cloud/node-flags";
import { type Metric, report } from "../src/metrics.ts";

const { values } = parseArgs({
  options: {
    big: { type: "string", default: "1GiB" },
    huge: { type: "string", default: "4GiB" },
    entries: { type: "string", default: "20000" },
    memory: { type: "string", default: "512" },
    parts: { type: "string", default: "big,huge,many,one" },
    /** A folder for a V8 CPU profile of each function process and of the local cloud's (`--cpu-prof`). */
    profile: { type: "string" },
    /**
     * Extractions of the big entry's zip (each after an unzip of it, for a ratio of two runs under the same load) and
     * of the small entries' zip, each to a prefix of its own; their figures are listed one by one.
     */
    repeat: { type: "string", default: "1" },
    /**
     * Another checkout of the repository (a snapshot of an earlier commit, its node_modules linked): the small
     * entries' zip is also extracted by its function, alternating with this one's, so both are measured in the
     * same run on the same zip.
     */
    baseline: { type: "string" },
  },
});
const parts = new Set(values.parts.split(","));
const units: Record<string, number> = { MiB: 1024 ** 2, GiB: 1024 ** 3 };
const size = (text: string) => Number(/^\d+/.exec(text)?.[0]) * (units[/[MG]iB$/.exec(text)?.[0] ?? "MiB"] as number);
for (const tool of ["zip", "unzip"]) {
  if (spawnSync(tool, ["-v"]).status !== 0) throw new Error(`the ${tool} command is needed for this benchmark`);
}

const dir = mkdtempSync(join(tmpdir(), "cosfn-bench-unzip-"));
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const tsx = ["--import", "tsx"];
const BUCKET = "bench-1250000000";

/** A file of pseudo-random text (compresses about 2:1, like logs), written in 1 MiB blocks. */
async function dataFile(path: string, bytes: number): Promise<void> {
  let seed = 7;
  const block = Buffer.alloc(1024 * 1024);
  let left = bytes;
  await pipeline(
    Readable.from(
      (function* () {
        while (left > 0) {
          for (let i = 0; i < block.length; i++) {
            seed = (seed * 1103515245 + 12345) & 0x7fffffff;
            block[i] = 97 + ((seed >>> 16) % 16);
          }
          const n = Math.min(left, block.length);
          left -= n;
          yield Buffer.from(block.subarray(0, n));
        }
      })(),
    ),
    createWriteStream(path),
  );
}

const cpuProfile = values.profile ? ["--cpu-prof", `--cpu-prof-dir=${values.profile}`] : [];
const server = spawn(
  process.execPath,
  [...cpuProfile, ...LOCAL_CLOUD_NODE_FLAGS, ...tsx, here("local-cloud-server.ts")],
  {
    stdio: ["pipe", "pipe", "inherit"],
  },
);
const serverLines = createInterface({ input: server.stdout })[Symbol.asyncIterator]();
/** The local cloud's next line of JSON (lines of anything else, such as V8's traces, are passed on to stderr). */
const nextLine = async () => {
  for (;;) {
    const { value: line, done } = await serverLines.next();
    if (done) throw new Error(`the local cloud exited (${server.exitCode ?? server.signalCode}) before it answered`);
    if (line.startsWith("{")) return JSON.parse(line);
    process.stderr.write(`${line}\n`);
  }
};
const ready: { endpoint: string; credentials: { secretId: string; secretKey: string } } = await nextLine();
/** The CPU time the local cloud has used so far: all threads, its main thread; and its full collections. */
interface ServerCpu {
  cpuMs: number;
  mainThreadCpuMs?: number;
  fullGcs: number;
}
async function serverCpu(): Promise<ServerCpu> {
  server.stdin.write("cpu\n");
  return (await nextLine()) as ServerCpu;
}
const cos = createCosClient({ region: "ap-guangzhou", credentials: ready.credentials, endpoint: ready.endpoint });

interface Extraction {
  ms: number;
  /** CPU time of the function process during the extraction, and of the local cloud. */
  cpuMs: number;
  serverCpuMs: number;
  /** Of that, the local cloud's main thread (undefined where /proc does not tell), and its full collections. */
  serverMainThreadCpuMs: number | undefined;
  serverFullGcs: number;
  written: number;
  inflated: number;
  bytesRead: number;
  peakRss: number;
}

async function extractInProcess(
  key: string,
  prefix: string,
  env: Record<string, string> = {},
  runner = here("auto-decompress-run.ts"),
): Promise<Extraction> {
  const args = [
    ready.endpoint,
    ready.credentials.secretId,
    ready.credentials.secretKey,
    BUCKET,
    key,
    prefix,
    values.memory as string,
    JSON.stringify(env),
  ];
  const serverBefore = await serverCpu();
  const run = spawnSync(process.execPath, [...cpuProfile, ...tsx, runner, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`extraction of ${key} failed: ${run.stderr}`);
  const serverAfter = await serverCpu();
  return {
    ...JSON.parse(run.stdout.trim().split("\n").at(-1) as string),
    serverCpuMs: serverAfter.cpuMs - serverBefore.cpuMs,
    serverMainThreadCpuMs:
      serverAfter.mainThreadCpuMs === undefined || serverBefore.mainThreadCpuMs === undefined
        ? undefined
        : serverAfter.mainThreadCpuMs - serverBefore.mainThreadCpuMs,
    serverFullGcs: serverAfter.fullGcs - serverBefore.fullGcs,
  };
}

async function uploadZip(name: string, zipPath: string): Promise<void> {
  await cos.writeObject({ bucket: BUCKET, key: name, body: createReadStream(zipPath), partSize: 16 * 1024 * 1024 });
}

const metrics: Metric[] = [];
const notes: string[] = [];
try {
  // 1. One big entry, against unzip to local disk.
  const big = size(values.big);
  if (parts.has("big")) {
    process.stderr.write(`making a zip with one ${values.big} entry...\n`);
    await dataFile(join(dir, "big.dat"), big);
    execFileSync("zip", ["-1", "-j", "-q", join(dir, "big.zip"), join(dir, "big.dat")]);
    rmSync(join(dir, "big.dat"));
    await uploadZip("big.zip", join(dir, "big.zip"));
    // unzip and the extraction in turn, `--repeat` times, so that each ratio is of two runs under the same load.
    const runs: { unzipMs: number; unzipCpuMs: number; one: Extraction }[] = [];
    for (let i = 0; i < Number(values.repeat); i++) {
      const started = performance.now();
      // bash's `times` prints the CPU time of its children (unzip): user, then system.
      const times = execFileSync(
        "bash",
        ["-c", 'unzip -o -q "$1" -d "$2" && times', "unzip", join(dir, "big.zip"), join(dir, "unzipped")],
        { encoding: "utf8" },
      );
      const unzipMs = performance.now() - started;
      const seconds = [...(times.trim().split("\n").at(-1) ?? "").matchAll(/(\d+)m([\d.]+)s/g)].map(
        ([, m, s]) => Number(m) * 60 + Number(s),
      );
      const unzipCpuMs = ((seconds[0] ?? 0) + (seconds[1] ?? 0)) * 1000;
      rmSync(join(dir, "unzipped"), { recursive: true, force: true });
      runs.push({ unzipMs, unzipCpuMs, one: await extractInProcess("big.zip", `out/big/${i}/`) });
      // As unzip's output is: the next run starts without either's gigabyte in the page cache.
      await cos.deleteObject(BUCKET, `out/big/${i}/big.dat`);
    }
    const mib = (one: Extraction) => one.inflated / 1024 ** 2;
    metrics.push(
      {
        label: "unzip to disk, 1 entry",
        unit: "MiB/s",
        values: runs.map((run) => big / 1024 ** 2 / (run.unzipMs / 1000)),
        higherIsBetter: true,
      },
      {
        label: "auto-decompress, 1 entry",
        unit: "MiB/s",
        values: runs.map((run) => mib(run.one) / (run.one.ms / 1000)),
        baseline: "unzip to disk, 1 entry",
        higherIsBetter: true,
      },
      {
        label: "auto-decompress / unzip throughput, 1 entry",
        unit: "ratio",
        values: runs.map((run) => mib(run.one) / (run.one.ms / 1000) / (big / 1024 ** 2 / (run.unzipMs / 1000))),
        higherIsBetter: true,
      },
      { label: `function peak RSS, ${values.big} archive`, unit: "bytes", values: runs.map((run) => run.one.peakRss) },
      {
        label: "unzip CPU per MiB, 1 entry",
        unit: "ms/MiB",
        values: runs.map((run) => run.unzipCpuMs / (big / 1024 ** 2)),
      },
      {
        label: "function CPU per MiB, 1 entry",
        unit: "ms/MiB",
        values: runs.map((run) => run.one.cpuMs / mib(run.one)),
        baseline: "unzip CPU per MiB, 1 entry",
      },
      {
        label: "local cloud CPU per MiB, 1 entry",
        unit: "ms/MiB",
        values: runs.map((run) => run.one.serverCpuMs / mib(run.one)),
      },
      ...(runs.some((run) => run.one.serverMainThreadCpuMs === undefined)
        ? []
        : [
            {
              label: "local cloud main thread CPU per MiB, 1 entry",
              unit: "ms/MiB",
              values: runs.map((run) => (run.one.serverMainThreadCpuMs as number) / mib(run.one)),
            },
          ]),
      {
        label: "local cloud full collections per GiB, 1 entry",
        unit: "count",
        values: runs.map((run) => (run.one.serverFullGcs / mib(run.one)) * 1024),
      },
    );
    notes.push(
      `goal: at least 0.7x unzip for one ${values.big} entry, at no more function CPU per MiB than unzip's; zip -1 of pseudo-random text (${(statSync(join(dir, "big.zip")).size / 1024 ** 2).toFixed(0)} MiB zipped)`,
    );
    rmSync(join(dir, "big.zip"));
  }

  // 2. Peak memory with a bigger archive.
  if (parts.has("huge")) {
    const huge = size(values.huge);
    process.stderr.write(`making a zip with one ${values.huge} entry...\n`);
    await dataFile(join(dir, "huge.dat"), huge);
    execFileSync("zip", ["-1", "-j", "-q", join(dir, "huge.zip"), join(dir, "huge.dat")]);
    rmSync(join(dir, "huge.dat"));
    await uploadZip("huge.zip", join(dir, "huge.zip"));
    rmSync(join(dir, "huge.zip"));
    const hugeRun = await extractInProcess("huge.zip", "out/huge/");
    metrics.push({ label: `function peak RSS, ${values.huge} archive`, unit: "bytes", values: [hugeRun.peakRss] });
    notes.push("goal: function peak RSS under 256 MB for both archives");
  }

  // 3. Many small entries.
  if (parts.has("many")) {
    const count = Number(values.entries);
    process.stderr.write(`making a zip with ${count} entries of 1-64 KiB...\n`);
    mkdirFiles(join(dir, "many"), count);
    execFileSync("zip", ["-1", "-r", "-q", join(dir, "many.zip"), "."], { cwd: join(dir, "many") });
    rmSync(join(dir, "many"), { recursive: true, force: true });
    await uploadZip("many.zip", join(dir, "many.zip"));
    const runs: Extraction[] = [];
    const baselineRuns: Extraction[] = [];
    const baselineRunner = values.baseline && join(values.baseline, "tooling/bench/scenarios/auto-decompress-run.ts");
    for (let i = 0; i < Number(values.repeat); i++) {
      runs.push(await extractInProcess("many.zip", `out/many-${i}/`));
      if (baselineRunner)
        baselineRuns.push(await extractInProcess("many.zip", `out/many-base-${i}/`, {}, baselineRunner));
    }
    metrics.push(
      {
        label: `entries per second, ${count} small entries`,
        unit: "entries/s",
        values: runs.map((many) => many.written / (many.ms / 1000)),
        higherIsBetter: true,
      },
      { label: "function CPU per entry", unit: "ms/entry", values: runs.map((many) => many.cpuMs / many.written) },
      {
        label: "local cloud CPU per entry",
        unit: "ms/entry",
        values: runs.map((many) => many.serverCpuMs / many.written),
      },
    );
    if (baselineRuns.length > 0) {
      metrics.push(
        {
          label: "baseline: function CPU per entry",
          unit: "ms/entry",
          values: baselineRuns.map((many) => many.cpuMs / many.written),
        },
        {
          label: "baseline: entries per second",
          unit: "entries/s",
          values: baselineRuns.map((many) => many.written / (many.ms / 1000)),
          higherIsBetter: true,
        },
      );
    }
    notes.push(
      "goal: no more than 0.4 ms of function CPU per entry",
      "CPU figures: user + system time of each process during the extraction (the two share the machine's cores)",
    );
  }

  // 4. One small entry out of a big zip: bytes read from COS, the large entry skipped by SKIP_PATTERNS.
  if (parts.has("one")) {
    process.stderr.write("making a zip of a large entry and one small entry...\n");
    await dataFile(join(dir, "filler.dat"), 2 * 1024 ** 3);
    writeFileSync(join(dir, "small.txt"), "the one small entry\n");
    execFileSync("zip", ["-0", "-j", "-q", join(dir, "mixed.zip"), join(dir, "filler.dat"), join(dir, "small.txt")]);
    rmSync(join(dir, "filler.dat"));
    const mixedSize = statSync(join(dir, "mixed.zip")).size;
    await uploadZip("mixed.zip", join(dir, "mixed.zip"));
    rmSync(join(dir, "mixed.zip"));
    const single = await extractInProcess("mixed.zip", "out/mixed/", { SKIP_PATTERNS: "filler.dat" });
    metrics.push({
      label: "bytes read from COS for one small entry of a 2 GiB zip",
      unit: "bytes",
      values: [single.bytesRead],
    });
    notes.push(
      `goal: a few KB for one small entry of a ${(mixedSize / 1024 ** 3).toFixed(2)} GiB zip, not the archive`,
    );
  }
} finally {
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
report({
  scenario: "auto-decompress",
  description: "extraction throughput, memory and entry rate against the issue's goals",
  metrics,
  notes,
});

function mkdirFiles(folder: string, count: number): void {
  let seed = 11;
  for (let i = 0; i < count; i++) {
    const sub = join(folder, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const bytes = 1024 + ((seed >>> 8) % (63 * 1024));
    writeFileSync(join(sub, `f${i}.txt`), Buffer.alloc(bytes, 97 + (i % 26)));
  }
}
