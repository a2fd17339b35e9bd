import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { LOCAL_CREDENTIALS } from "@cosfn/local-cloud";
import { unzipSync } from "fflate";
import { deployedSettings, runFunction } from "../function-run.ts";
import { CommandError, type Io, readInput, UsageError } from "../io.ts";
import { findRoot, functionDir } from "../project.ts";

export const help = `Usage: cosfn invoke <function> --event FILE|- [--bundle] [--env K=V ...]

Runs a function's main_handler once, in a fresh process, with an SCF-like context (time limit, memory and
region from its serverless.yml), and prints the handler's result as JSON on standard output. The function's
logs go to standard error. If the handler throws, the error goes to standard error, its summary (if any) to
standard output, and the exit status is 1.

The function reads COSFN_COS_ENDPOINT, the TENCENTCLOUD_* credentials and its own settings from the
environment: the environment of this command, then serverless.yml's variables, then --env. With
COSFN_COS_ENDPOINT set and no TENCENTCLOUD_SECRETID, it gets the local cloud's default credentials (those
cosfn dev prints), as SCF would hand it its role's.

<function>: a name under functions/, or the path of a function folder.

Options:
  --event <FILE|->   the event (e.g. one from test-fixtures/events or cosfn event)
  --bundle           run the built zip (dist/<function>.zip, from cosfn build) instead of the source
  --env <K=V>        set a variable for the function; repeat for more
  -h, --help         show this help
`;

async function bundleEntry(root: string, name: string): Promise<string> {
  const zip = join(root, "dist", `${name}.zip`);
  if (!existsSync(zip)) throw new CommandError(`${zip} does not exist: run "cosfn build ${name}" first`);
  const dir = await mkdtemp(join(tmpdir(), `cosfn-invoke-${name}-`));
  for (const [path, data] of Object.entries(unzipSync(await readFile(zip)))) {
    if (path.endsWith("/")) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
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
  const text = await readInput(values.event, io);
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (cause) {
    throw new CommandError(
      `${values.event === "-" ? "<stdin>" : values.event}: not valid JSON (${(cause as Error).message})`,
    );
  }
  const { name, dir } = functionDir(target);
  const settings = deployedSettings(dir, name);
  const entry = values.bundle ? await bundleEntry(findRoot(dir), name) : join(dir, "src", "index.ts");
  const functionEnv = { ...env, ...settings.environment, ...overrides };
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
  if (outcome.ok) {
    io.stdout.write(`${JSON.stringify(outcome.result, null, 2)}\n`);
    return 0;
  }
  const error = outcome.error;
  if (error?.summary !== undefined) io.stdout.write(`${JSON.stringify(error.summary, null, 2)}\n`);
  io.stderr.write(`error: ${error?.name}: ${error?.message}\n`);
  return 1;
}
