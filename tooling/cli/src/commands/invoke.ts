import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_CREDENTIALS } from "@cosfn/local-cloud";
import { unzipSync } from "fflate";
import { readEnvFile } from "../env-file.ts";
import { parseEvent } from "../event-input.ts";
import { deployedSettings, reportLine, runFunction } from "../function-run.ts";
import { CommandError, type Io, readInput, UsageError } from "../io.ts";
import { findRoot, functionDir } from "../project.ts";

export const help = `Usage: cosfn invoke <function> --event FILE|- [--bundle] [--env-file FILE] [--env K=V ...]

Runs a function's main_handler once, as SCF runs it: in a fresh process (a cold start), with an SCF-like
context (name, memory, time limit and region from its serverless.yml), the heap bounded by memorySize
(node --max-old-space-size), and the run stopped at the timeout, counted from the event's delivery. It prints
the handler's result as JSON on standard output, whole whatever its size. The function's logs go to standard
error, then a report line as SCF and sam local invoke print it:

  REPORT RequestId: <id>  Duration: <ms> ms  Billed Duration: <ms> ms  Memory Size: <MB> MB
  Max Memory Used: <MB> MB  Init Duration: <ms> ms

(one line, tab-separated; Max Memory Used is the process's peak resident memory, which from source includes
the TypeScript loader; Init Duration is the function's loading, every local run being a cold start). If the
handler throws, its error and stack go to standard error (source-mapped to src/*.ts, --bundle included) and
its summary, if any, to standard output.

The event: at most 6 MB (SCF's limit; COS's asynchronous invocations carry at most 128 KB, a larger event
gets a warning) and 1,000 levels deep; a larger or deeper one is refused before the function runs.

Environment, from lowest to highest precedence (the order of sam local invoke --env-vars):
  1. serverless.yml's environment.variables
  2. your shell's variables (all of them reach the function, so COSFN_COS_ENDPOINT and the TENCENTCLOUD_*
     credentials do; sam passes a shell variable only when the template declares it)
  3. --env-file's "Parameters" (JSON)
  4. --env-file's entry for the function (JSON, keyed by its serverless.yml name or its folder), or a dotenv file
  5. --env K=V
With COSFN_COS_ENDPOINT set and no TENCENTCLOUD_SECRETID, the function gets the local cloud's default
credentials (those cosfn dev prints), as SCF would hand it its role's.

<function>: a name under functions/, or the path of a function folder.

Options:
  --event <FILE|->    the event (e.g. one from test-fixtures/events or cosfn event)
  --bundle            run the built zip (dist/<function>.zip, from cosfn build) instead of the source, with
                      its source map (dist/<function>.index.js.map)
  --env-file <FILE>   variables for the function: JSON in sam's --env-vars shape
                      ({"Parameters": {...}, "<function>": {...}}) or a dotenv file (NAME=value lines)
  --env <K=V>         set a variable for the function; repeat for more
  -h, --help          show this help

Exit status:
  0  every record done or skipped
  1  a record failed, the handler threw, the event is invalid, the run timed out (SCF 433) or ran out of
     memory (SCF 434)
  2  usage error
`;

/** Unpacks the built zip into a temporary folder, with its source map beside index.js (sources made absolute). */
async function bundleEntry(root: string, name: string): Promise<string> {
  const zip = join(root, "dist", `${name}.zip`);
  if (!existsSync(zip)) throw new CommandError(`${zip} does not exist: run "cosfn build ${name}" first`);
  const dir = await mkdtemp(join(tmpdir(), `cosfn-invoke-${name}-`));
  for (const [path, data] of Object.entries(unzipSync(await readFile(zip)))) {
    if (path.endsWith("/")) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  const mapFile = join(root, "dist", `${name}.index.js.map`);
  if (existsSync(mapFile)) {
    // esbuild wrote the map for dist/<name>.staging/index.js: its sources are relative to that folder.
    const map = JSON.parse(await readFile(mapFile, "utf8")) as { sources: string[]; sourceRoot?: string };
    const base = join(root, "dist", `${name}.staging`);
    map.sources = map.sources.map((source) => resolve(base, map.sourceRoot ?? "", source));
    map.sourceRoot = "";
    await writeFile(join(dir, "index.js.map"), JSON.stringify(map));
    await writeFile(join(dir, "index.js"), "\n//# sourceMappingURL=index.js.map\n", { flag: "a" });
  }
  return join(dir, "index.js");
}

export async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: "string" },
      bundle: { type: "boolean" },
      "env-file": { type: "string" },
      env: { type: "string", multiple: true, default: [] },
    },
  });
  const [target, ...extra] = positionals;
  if (!target) throw new UsageError("missing <function>");
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!values.event) throw new UsageError("missing --event FILE|-");
  const overrides: Record<string, string> = {};
  for (const pair of values.env) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--env ${JSON.stringify(pair)}: expected K=V`);
    overrides[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const source = values.event === "-" ? "<stdin>" : values.event;
  const event = parseEvent(await readInput(values.event, io), source, (line) => io.stderr.write(line));
  const { name, dir } = functionDir(target);
  const settings = deployedSettings(dir, name);
  const fromFile = values["env-file"]
    ? readEnvFile(values["env-file"], await readInput(values["env-file"], io), [settings.name, name])
    : {};
  const entry = values.bundle ? await bundleEntry(findRoot(dir), name) : join(dir, "src", "index.ts");
  const functionEnv = { ...settings.environment, ...env, ...fromFile, ...overrides };
  if (functionEnv.COSFN_COS_ENDPOINT && !functionEnv.TENCENTCLOUD_SECRETID && !functionEnv.TENCENTCLOUD_SECRETKEY) {
    functionEnv.TENCENTCLOUD_SECRETID = LOCAL_CREDENTIALS.secretId;
    functionEnv.TENCENTCLOUD_SECRETKEY = LOCAL_CREDENTIALS.secretKey;
  }
  const outcome = await runFunction({
    entry,
    event,
    settings,
    env: functionEnv,
    onLog: (chunk) => io.stderr.write(chunk.toString()),
  });
  const print = (value: unknown) => {
    const text = JSON.stringify(value, null, 2);
    io.stdout.write(`${text}\n`);
    if (Buffer.byteLength(text) > 6 * 1024 * 1024) {
      io.stderr.write(
        `warning: the result is ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MB; SCF refuses results over 6 MB (407)\n`,
      );
    }
  };
  let status = 0;
  if (outcome.ok) {
    print(outcome.result);
    const failed = (outcome.result as { failed?: unknown } | null)?.failed;
    if (typeof failed === "number" && failed > 0) {
      io.stderr.write(`error: ${settings.name}: ${failed} record${failed === 1 ? "" : "s"} failed\n`);
      status = 1;
    }
  } else {
    const error = outcome.error;
    if (error?.summary !== undefined) print(error.summary);
    const frames = error?.stack?.split("\n").filter((line) => /^\s+at /.test(line)) ?? [];
    io.stderr.write(`error: ${error?.name}: ${error?.message}\n${frames.map((f) => `${f}\n`).join("")}`);
    status = 1;
  }
  io.stderr.write(`${reportLine(outcome, settings.memoryMb)}\n`);
  return status;
}
