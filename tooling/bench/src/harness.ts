import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { cpus, release, totalmem } from "node:os";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Metric, median, RESULT_MARKER, type ScenarioResult } from "./metrics.ts";

/** The scenarios `cosfn bench` knows, each a script run in a fresh process. */
export const SCENARIOS: Record<string, { file: string; description: string }> = {
  "function-bundles": {
    file: "function-bundles.ts",
    description:
      "each function's zip: size and cold start, against the same code deployed unbundled with its node_modules",
  },
  "auto-decompress": {
    file: "auto-decompress.ts",
    description:
      "auto-decompress against its goals: 1 GiB entry vs unzip, peak memory at 1 and 4 GiB, 20,000 small entries, bytes read for one entry",
  },
  "cdn-purge": {
    file: "cdn-purge.ts",
    description:
      "cdn-purge against its goals: 10,000 uploads in queued mode (calls, quota) against Tencent's demo, and direct mode under 20 requests/s",
  },
  "db-sync": {
    file: "db-sync.ts",
    description:
      "db-sync against its goals: 10,000 single-record invocations on 16 instances into PostgreSQL (records/s, connections), warm latency without the HEAD, reconcile of 100,000 objects against the per-row baseline",
  },
  "offline-recognizer": {
    file: "offline-recognizer.ts",
    description:
      "the offline recognizer (CenterNet labels, nsfwjs moderation, tfjs wasm) on the committed photos: ms per image, model load, peak memory, install size",
  },
  "image-recognition": {
    file: "image-recognition.ts",
    description:
      "image-recognition against its goal: pre-fit of a 24 MP JPEG against a naive full decode then resize (time, memory above baseline), and one whole invocation",
  },
  "local-cloud-put-get": {
    file: "local-cloud-put-get.ts",
    description:
      "local-cloud put and get of a large object (default 2 GiB) against local disk, and the server's peak memory",
  },
};

export interface MetricSummary {
  label: string;
  unit: string;
  runs: number;
  median: number;
  min: number;
  max: number;
  baseline?: string;
  /** median / baseline's median. */
  ratio?: number;
}

export interface BenchResults {
  date: string;
  machine: { cpus: number; model: string; memoryGiB: number; node: string; os: string };
  scenarios: { scenario: string; description: string; metrics: MetricSummary[]; notes: string[] }[];
}

export function machine(): BenchResults["machine"] {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    os: `${process.platform} ${release()}`,
  };
}

export function summarize(metrics: Metric[]): MetricSummary[] {
  const medians = new Map(metrics.map((m) => [m.label, median(m.values)]));
  return metrics.map((m) => {
    const base = m.baseline === undefined ? undefined : medians.get(m.baseline);
    const mid = median(m.values);
    return {
      label: m.label,
      unit: m.unit,
      runs: m.values.length,
      median: mid,
      min: Math.min(...m.values),
      max: Math.max(...m.values),
      ...(m.baseline !== undefined && { baseline: m.baseline }),
      ...(base !== undefined && base !== 0 && { ratio: mid / base }),
    };
  });
}

const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** Runs one scenario script in a fresh process; its progress goes to `onOutput`, its result comes back. */
export function runScenario(name: string, args: string[], onOutput: (text: string) => void): Promise<ScenarioResult> {
  const scenario = SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${JSON.stringify(name)} (known: ${Object.keys(SCENARIOS).join(", ")})`);
  const file = fileURLToPath(new URL(`../scenarios/${scenario.file}`, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsx, file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let result: ScenarioResult | undefined;
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith(RESULT_MARKER)) result = JSON.parse(line.slice(RESULT_MARKER.length));
        else onOutput(`${line}\n`);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => onOutput(chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (result && code === 0) resolve(result);
      else reject(new Error(`scenario ${name} failed (exit code ${code})`));
    });
  });
}

function format(value: number, unit: string): string {
  if (unit === "bytes")
    return value >= 1024 * 1024 ? `${(value / 1024 ** 2).toFixed(1)} MiB` : `${(value / 1024).toFixed(1)} KiB`;
  if (unit === "ms") return `${value.toFixed(0)} ms`;
  if (unit === "MiB/s") return `${value.toFixed(0)} MiB/s`;
  return `${value.toFixed(1)} ${unit}`;
}

/** A Markdown table of a scenario's figures. */
export function table(summary: BenchResults["scenarios"][number]): string {
  const rows = summary.metrics.map((m) => [
    m.label,
    format(m.median, m.unit),
    format(m.min, m.unit),
    format(m.max, m.unit),
    String(m.runs),
    m.ratio === undefined
      ? summary.metrics.some((o) => o.baseline === m.label)
        ? "baseline"
        : ""
      : `${m.ratio.toFixed(2)}x ${m.baseline}`,
  ]);
  const lines = [
    `${summary.scenario}: ${summary.description}`,
    "| figure | median | min | max | runs | ratio |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    ...summary.notes.map((n) => `- ${n}`),
  ];
  return `${lines.join("\n")}\n`;
}

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}
