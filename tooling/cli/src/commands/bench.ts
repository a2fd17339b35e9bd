import { join } from "node:path";
import { type BenchResults, machine, runScenario, SCENARIOS, summarize, table, writeResults } from "@cosfn/bench";
import { CommandError, type Io, UsageError } from "../io.ts";
import { findRoot } from "../project.ts";

/** The options each scenario's own parser takes (tooling/bench/scenarios/<name>.ts), all valued. */
export const SCENARIO_OPTIONS: Record<string, readonly string[]> = {
  "function-bundles": ["runs", "samples", "functions"],
  "auto-decompress": ["big", "huge", "entries", "memory", "parts"],
  "cdn-purge": ["runs", "uploads", "folders", "instances", "direct-seconds", "rate-limit", "scf-retries", "parts"],
  "db-sync": [
    "runs",
    "objects",
    "instances",
    "pool-size",
    "latency-records",
    "reconcile-objects",
    "baseline-sample",
    "pg-url",
    "parts",
    "uploaders",
    "details",
    "cpu-prof",
  ],
  "image-recognition": ["runs", "megapixels", "parts", "images", "concurrency"],
  "local-cloud-put-get": ["size", "runs", "small", "console"],
};

export const help = `Usage: cosfn bench [scenario ...] [scenario options]

Runs benchmark scenarios (all by default), each in a fresh process, and prints for every figure its median,
min and max and its ratio to the baseline measured in the same run. Writes bench/results.json, with the
machine it ran on; the figures worth keeping go into BENCHMARKS.md. Benchmarks are never timed tests.

Scenarios:
${Object.entries(SCENARIOS)
  .map(([name, s]) => `  ${name.padEnd(22)} ${s.description}`)
  .join("\n")}

Scenario options (--name VALUE) are passed to every scenario named, and refused unless each takes it:
${Object.entries(SCENARIO_OPTIONS)
  .map(([name, options]) => `  ${name.padEnd(22)} ${options.map((o) => `--${o}`).join(" ") || "(none)"}`)
  .join("\n")}

Options:
  --out <FILE>  where to write the results (default bench/results.json)
  -h, --help    show this help
`;

/** Splits the arguments into scenario names, --out and scenario options; refuses what no named scenario takes. */
export function benchArgs(argv: string[]): { names: string[]; out: string | undefined; options: string[] } {
  const names: string[] = [];
  const pairs: [string, string][] = [];
  let out: string | undefined;
  for (let at = 0; at < argv.length; at++) {
    const arg = argv[at] as string;
    if (!arg.startsWith("-")) {
      if (!(arg in SCENARIOS)) {
        throw new UsageError(`unknown scenario ${JSON.stringify(arg)} (known: ${Object.keys(SCENARIOS).join(", ")})`);
      }
      names.push(arg);
      continue;
    }
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) throw new UsageError(`unknown option ${JSON.stringify(arg)}`);
    const name = match[1] as string;
    if (name !== "out" && !Object.values(SCENARIO_OPTIONS).some((options) => options.includes(name)))
      throw new UsageError(`unknown option --${name}`);
    const value = match[2] ?? argv[++at];
    if (value === undefined || (match[2] === undefined && value.startsWith("--")))
      throw new UsageError(`--${name} needs a value`);
    if (name === "out") out = value;
    else pairs.push([name, value]);
  }
  const chosen = names.length > 0 ? names : Object.keys(SCENARIOS);
  for (const [name] of pairs) {
    const refusing = chosen.filter((scenario) => !SCENARIO_OPTIONS[scenario]?.includes(name));
    if (refusing.length > 0) {
      throw new UsageError(
        `unknown option --${name} for ${refusing.join(", ")} (${refusing.map((s) => `${s} takes ${SCENARIO_OPTIONS[s]?.map((o) => `--${o}`).join(" ") || "none"}`).join("; ")})`,
      );
    }
  }
  return { names: chosen, out, options: pairs.flatMap(([name, value]) => [`--${name}`, value]) };
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { names: chosen, out, options } = benchArgs(argv);
  const results: BenchResults = { date: new Date().toISOString(), machine: machine(), scenarios: [] };
  const m = results.machine;
  io.stdout.write(`machine: ${m.cpus} x ${m.model}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}\n\n`);
  for (const name of chosen) {
    io.stderr.write(`running ${name}...\n`);
    let result: Awaited<ReturnType<typeof runScenario>>;
    try {
      result = await runScenario(name, options, (text) => io.stderr.write(text));
    } catch (error) {
      throw new CommandError((error as Error).message);
    }
    const summary = {
      scenario: result.scenario,
      description: result.description,
      metrics: summarize(result.metrics),
      notes: result.notes ?? [],
    };
    results.scenarios.push(summary);
    io.stdout.write(`${table(summary)}\n`);
  }
  const file = out ?? join(findRoot(), "bench", "results.json");
  await writeResults(file, results);
  io.stdout.write(`wrote ${file}\n`);
  return 0;
}
