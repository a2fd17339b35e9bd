import { CommandError, type Io, UsageError } from "./io.ts";

interface Command {
  help: string;
  run(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number>;
}

/** Each command is loaded only when it runs, so `cosfn event` does not load the COS SDK. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  event: { summary: "print an SCF COS event", load: () => import("./commands/event.ts") },
  parse: { summary: "validate an event and print its normalized records", load: () => import("./commands/parse.ts") },
  dev: {
    summary: "run the local cloud (COS, Cloud Infinite, Cloud API) until Ctrl-C",
    load: () => import("./commands/dev.ts"),
  },
  cos: { summary: "ls, cp, rm, cat objects in COS or the local cloud", load: () => import("./commands/cos.ts") },
  new: { summary: "create functions/<name> from the function template", load: () => import("./commands/new.ts") },
  build: {
    summary: "bundle and zip functions for SCF; sizes, cold starts, smoke tests",
    load: () => import("./commands/build.ts"),
  },
  bench: {
    summary: "run benchmark scenarios; print medians and ratios, write bench/results.json",
    load: () => import("./commands/bench.ts"),
  },
  invoke: {
    summary: "run a function's main_handler with an event and an SCF-like context",
    load: () => import("./commands/invoke.ts"),
  },
};

const usage = `Usage: cosfn <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join("\n")}

Run "cosfn <command> --help" for a command's options.
`;

/** Runs the cosfn command line; resolves to the exit status. */
export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`cosfn: unknown command ${JSON.stringify(name)}\n\n${usage}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("-h") || rest.includes("--help")) {
    io.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io, env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`cosfn ${name}: ${(error as Error).message}\nRun "cosfn ${name} --help" for usage.\n`);
      return 2;
    }
    if (error instanceof CommandError || error instanceof RangeError) {
      io.stderr.write(`error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
