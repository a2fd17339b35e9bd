import { join } from "node:path";
import { type BenchResults, machine, runScenario, SCENARIOS, summarize, table, writeResults } from "@cosfn/bench";
import { CommandError, type Io, UsageError } from "../io.ts";
import { findRoot } from "../project.ts";

export const help = `Usage: cosfn bench [scenario ...] [scenario options]

Runs benchmark scenarios (all by default), each in a fresh process, and prints for every figure its median,
min and max and its ratio to the baseline measured in the same run. Writes bench/results.json, with the
machine it ran on; the figures worth keeping go into BENCHMARKS.md. Benchmarks are never timed tests.

Scenarios:
${Object.entries(SCENARIOS)
  .map(([name, s]) => `  ${name.padEnd(22)} ${s.description}`)
  .join("\n")}

Scenario options are passed to every scenario named: --runs N, --samples N (function-bundles),
--size 2GiB (local-cloud-put-get).

Options:
  --out <FILE>  where to write the results (default bench/results.json)
  -h, --help    show this help
`;

export async function run(argv: string[], io: Io): Promise<number> {
  const outAt = argv.indexOf("--out");
  const out = outAt >= 0 ? argv[outAt + 1] : undefined;
  if (outAt >= 0 && !out) throw new UsageError("--out needs a file");
  const args = outAt >= 0 ? [...argv.slice(0, outAt), ...argv.slice(outAt + 2)] : argv;
  const names = args.filter((arg) => arg in SCENARIOS);
  const options = args.filter((arg) => !(arg in SCENARIOS));
  const [first] = args;
  if (first !== undefined && !first.startsWith("-") && !(first in SCENARIOS)) {
    throw new UsageError(`unknown scenario ${JSON.stringify(first)} (known: ${Object.keys(SCENARIOS).join(", ")})`);
  }
  const chosen = names.length > 0 ? names : Object.keys(SCENARIOS);
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
