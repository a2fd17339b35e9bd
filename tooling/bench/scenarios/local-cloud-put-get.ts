// Benchmark: put and get of one large object through the local cloud with @cosfn/cos (multipart upload,
// streamed download), against writing and reading the same bytes on local disk in the same run.
// Then `--small N` small puts (4 KiB, 8 at once). Reports throughput, the local cloud's CPU time per MiB and per
// small put, and the peak memory (VmHWM) of the local-cloud process; `--console on` runs the local cloud with its
// web console on (every change kept in its event log), to compare with a run without. Run by `cosfn bench`:
//   npm run bench -- local-cloud-put-get --size 2GiB --runs 3 [--small 2000] [--console on] [--profile DIR]
//   [--local-cloud PATH] [--compare PATH]
// `--profile DIR` runs the local-cloud process with `--cpu-prof`, its profile written to DIR when it exits;
// `--local-cloud PATH` runs another checkout's local cloud (the `src/index.ts` at PATH) instead of this one;
// `--compare PATH` runs that one too, alongside, the big put and get and the small puts alternating between the two
// run by run, so both see the same load (the figures marked "(compared)" are its).
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCosClient } from "@cosfn/cos";
import { LOCAL_CLOUD_NODE_FLAGS } from "@cosfn/local-cloud/node-flags";
import { report } from "../src/metrics.ts";

const { values } = parseArgs({
  options: {
    size: { type: "string", default: "2GiB" },
    runs: { type: "string", default: "3" },
    small: { type: "string", default: "2000" },
    console: { type: "string", default: "off" },
    profile: { type: "string" },
    "local-cloud": { type: "string" },
    compare: { type: "string" },
  },
});
const smallPuts = Number(values.small);
if (values.console !== "on" && values.console !== "off")
  throw new Error(`--console ${values.console}: expected on or off`);
const withConsole = values.console === "on";
const size = parseSize(values.size);
const runs = Number(values.runs);
const CHUNK = 1024 * 1024;
const pattern = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK; i++) pattern[i] = (i * 31 + 7) & 0xff;

function parseSize(text: string): number {
  const match = /^(\d+)(B|KiB|MiB|GiB)?$/.exec(text);
  if (!match) throw new Error(`--size ${text}: expected e.g. 2GiB`);
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
  return Number(match[1]) * (units[match[2] ?? "B"] as number);
}

function source(): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const n = Math.min(CHUNK, size - sent);
      sent += n;
      this.push(n === CHUNK ? pattern : pattern.subarray(0, n));
    },
  });
}

function sink(): Writable & { bytes: () => number } {
  let bytes = 0;
  const out = new Writable({
    write(chunk: Buffer, _e, callback) {
      bytes += chunk.length;
      callback();
    },
  });
  return Object.assign(out, { bytes: () => bytes });
}

async function peakMemory(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const mbps = (bytes: number, ms: number) => bytes / 1024 ** 2 / (ms / 1000);

interface LocalCloudProcess {
  process: ReturnType<typeof spawn>;
  /** The local cloud's CPU time so far, in ms (it answers a line `cpu` on its stdin). */
  cpuMs(): Promise<number>;
  client: ReturnType<typeof createCosClient>;
}

async function startServer(localCloud: string | undefined, profile: string | undefined): Promise<LocalCloudProcess> {
  const server = spawn(
    process.execPath,
    [
      ...(profile ? ["--cpu-prof", "--cpu-prof-dir", profile] : []),
      ...LOCAL_CLOUD_NODE_FLAGS,
      "--import",
      "tsx",
      fileURLToPath(new URL("local-cloud-server.ts", import.meta.url)),
      ...(withConsole ? ["--console"] : []),
      ...(localCloud ? ["--local-cloud", localCloud] : []),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const stdout = server.stdout as NodeJS.ReadableStream;
  const ready = await new Promise<{ endpoint: string; credentials: { secretId: string; secretKey: string } }>(
    (resolve, reject) => {
      stdout.once("data", (line: Buffer) => resolve(JSON.parse(line.toString())));
      // A local cloud that cannot start (a wrong PATH, say) fails the benchmark instead of leaving it waiting.
      server.once("exit", (code) =>
        reject(
          new Error(`the local cloud${localCloud ? ` of ${localCloud}` : ""} exited (${code}) before it was ready`),
        ),
      );
    },
  );
  return {
    process: server,
    cpuMs: () =>
      new Promise((resolve) => {
        stdout.once("data", (line: Buffer) => resolve((JSON.parse(line.toString()) as { cpuMs: number }).cpuMs));
        server.stdin?.write("cpu\n");
      }),
    client: createCosClient({ region: "ap-guangzhou", credentials: ready.credentials, endpoint: ready.endpoint }),
  };
}

const main = await startServer(values["local-cloud"], values.profile);
// `--compare PATH`: a second local cloud, PATH's, measured in the same runs, the order alternating run by run.
const compared = values.compare
  ? await startServer(values.compare, undefined).catch((error) => {
      main.process.kill("SIGTERM");
      throw error;
    })
  : undefined;
const dir = await mkdtemp(join(tmpdir(), "cosfn-bench-"));
const results: Record<string, number[]> = {
  "disk write": [],
  "disk read": [],
  "cos put": [],
  "cos get": [],
  "server CPU per MiB put": [],
  "server CPU per MiB put+get": [],
  "small puts": [],
  "server CPU per small put": [],
  "server CPU per MiB put (compared)": [],
  "server CPU per MiB put+get (compared)": [],
  "server CPU per small put (compared)": [],
};
const SMALL = Buffer.alloc(4096, 7);

try {
  for (let run = 0; run < runs; run++) {
    let t = performance.now();
    await pipeline(source(), createWriteStream(join(dir, "baseline.bin")));
    results["disk write"]?.push(performance.now() - t);
    t = performance.now();
    await pipeline(createReadStream(join(dir, "baseline.bin"), { highWaterMark: CHUNK }), sink());
    results["disk read"]?.push(performance.now() - t);
    await rm(join(dir, "baseline.bin"));

    const sides = compared ? (run % 2 === 0 ? [main, compared] : [compared, main]) : [main];
    for (const side of sides) await measure(side, run, side === main ? "" : " (compared)");
  }
  const peak = await peakMemory(main.process.pid as number);
  const rate = (label: string) => (results[label] ?? []).map((ms) => mbps(size, ms));
  report({
    scenario: "local-cloud-put-get",
    description: `put and get of a ${values.size} object through the local cloud with @cosfn/cos, against local disk`,
    metrics: [
      { label: "disk write", unit: "MiB/s", values: rate("disk write"), higherIsBetter: true },
      { label: "disk read", unit: "MiB/s", values: rate("disk read"), higherIsBetter: true },
      { label: "cos put", unit: "MiB/s", values: rate("cos put"), baseline: "disk write", higherIsBetter: true },
      { label: "cos get", unit: "MiB/s", values: rate("cos get"), baseline: "disk read", higherIsBetter: true },
      { label: "server CPU per MiB put", unit: "ms", values: results["server CPU per MiB put"] ?? [] },
      { label: "server CPU per MiB put+get", unit: "ms", values: results["server CPU per MiB put+get"] ?? [] },
      { label: "small puts", unit: "puts/s", values: results["small puts"] ?? [], higherIsBetter: true },
      { label: "server CPU per small put", unit: "ms", values: results["server CPU per small put"] ?? [] },
      { label: "server peak RSS", unit: "bytes", values: [peak] },
      ...(compared
        ? ["server CPU per MiB put", "server CPU per MiB put+get", "server CPU per small put"].map((label) => ({
            label: `${label} (compared)`,
            unit: "ms",
            values: results[`${label} (compared)`] ?? [],
          }))
        : []),
    ],
    notes: [
      `object of ${size} bytes; multipart put with 16 MiB parts, 4 in flight; ${smallPuts} puts of 4 KiB, 8 at once; ${runs} runs`,
      `the local cloud ${withConsole ? "with" : "without"} its web console`,
      ...(values["local-cloud"] ? [`the local cloud of ${values["local-cloud"]}`] : []),
      ...(values.compare ? [`(compared): the local cloud of ${values.compare}, in the same runs`] : []),
      `client process peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    ],
  });
} finally {
  for (const side of [main, compared]) {
    if (!side) continue;
    const exited = new Promise((resolve) => side.process.once("exit", resolve));
    side.process.kill("SIGTERM");
    // With --profile, the profile is written as the local cloud exits.
    await exited;
  }
  await rm(dir, { recursive: true, force: true });
}

/** The big put and get, then the small puts, against one local cloud; its figures under `label + suffix`. */
async function measure(side: LocalCloudProcess, run: number, suffix: string): Promise<void> {
  const { client } = side;
  let t = performance.now();
  const cpuBefore = await side.cpuMs();
  const put = await client.writeObject({
    bucket: "bench-1250000000",
    key: "big.bin",
    body: source(),
    partSize: 16 * 1024 * 1024,
    parallelism: 4,
  });
  if (!suffix) results["cos put"]?.push(performance.now() - t);
  results[`server CPU per MiB put${suffix}`]?.push(((await side.cpuMs()) - cpuBefore) / (size / 1024 ** 2));
  if (put.size !== size) throw new Error(`stored ${put.size} bytes, expected ${size}`);
  t = performance.now();
  const out = sink();
  await pipeline(client.readStream("bench-1250000000", "big.bin"), out);
  if (!suffix) results["cos get"]?.push(performance.now() - t);
  if (out.bytes() !== size) throw new Error(`read ${out.bytes()} bytes, expected ${size}`);
  results[`server CPU per MiB put+get${suffix}`]?.push(((await side.cpuMs()) - cpuBefore) / (size / 1024 ** 2));

  const smallCpuBefore = await side.cpuMs();
  t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < smallPuts) {
        const i = next++;
        await client.writeObject({ bucket: "bench-1250000000", key: `small/${run}/${i}.bin`, body: SMALL });
      }
    }),
  );
  if (!suffix) results["small puts"]?.push(smallPuts / ((performance.now() - t) / 1000));
  results[`server CPU per small put${suffix}`]?.push(((await side.cpuMs()) - smallCpuBefore) / smallPuts);
}
