import { spawnSync } from "node:child_process";

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Milliseconds for a fresh `node` to run a script, median of `runs`. */
function timeNode(node: string, script: string, runs: number, cwd: string): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const child = spawnSync(node, ["-e", script], { cwd, encoding: "utf8" });
    if (child.status !== 0) throw new Error(`node -e failed: ${child.stderr}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

/**
 * Cold start of a module: the median time for a fresh process to `require` it, minus the median time of
 * `node -e 0`, both measured now, in fresh processes.
 */
export function coldStartMs(file: string, options: { node?: string; runs?: number; cwd?: string } = {}): number {
  const node = options.node ?? process.execPath;
  const runs = options.runs ?? 7;
  const cwd = options.cwd ?? process.cwd();
  const baseline = timeNode(node, "0", runs, cwd);
  const loaded = timeNode(node, `require(${JSON.stringify(file)})`, runs, cwd);
  return Math.max(0, loaded - baseline);
}
