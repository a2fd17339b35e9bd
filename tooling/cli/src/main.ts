import { readFileSync } from "node:fs";
import { CLOSED_PIPE, closedPipe, describeFailure } from "./failure.ts";
import { EXIT_STATUS, type Io, UsageError } from "./io.ts";

interface Command {
  help: string;
  /** The flags that show the help (default -h and --help). */
  helpFlags?: string[];
  run(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number>;
}

/** Each command is loaded only when it runs, so `cosfn event` does not load the COS SDK. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  event: { summary: "print an SCF COS event (--list: the event names)", load: () => import("./commands/event.ts") },
  parse: { summary: "validate an event and print its normalized records", load: () => import("./commands/parse.ts") },
  dev: {
    summary: "run the local cloud (COS, Cloud Infinite, Cloud API) until Ctrl-C",
    load: () => import("./commands/dev.ts"),
  },
  cos: {
    summary: "ls, cp, sync, rm, cat, du, hash, signurl, mb, rb on cos:// URLs",
    load: () => import("./commands/cos/index.ts"),
  },
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
       cosfn help <command>     a command's options (or: cosfn <command> --help)
       cosfn --version

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join("\n")}

${EXIT_STATUS}`;

/** The version of this package, from its package.json. */
export function version(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}

/** A command's help, with the exit statuses every command shares when it does not give its own. */
function commandHelp(command: Command): string {
  return command.help.includes("Exit status") ? command.help : `${command.help}\n${EXIT_STATUS}`;
}

/** Runs the cosfn command line; resolves to the exit status (0 done, 1 failed, 2 usage error). */
export async function main(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(usage);
    return 2;
  }
  if (name === "-h" || name === "--help") {
    io.stdout.write(usage);
    return 0;
  }
  if (name === "-V" || name === "--version" || name === "version") {
    io.stdout.write(`cosfn ${version()}\n`);
    return 0;
  }
  if (name === "help") {
    const [topic, ...extra] = rest;
    if (topic === undefined) {
      io.stdout.write(usage);
      return 0;
    }
    const entry = commands[topic];
    if (!entry || extra.length > 0) {
      io.stderr.write(
        `cosfn help: ${entry ? `unexpected argument ${JSON.stringify(extra[0])}` : `unknown command ${JSON.stringify(topic)}`}\n\n${usage}`,
      );
      return 2;
    }
    io.stdout.write(commandHelp(await entry.load()));
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`cosfn: unknown command ${JSON.stringify(name)}\n\n${usage}`);
    return 2;
  }
  const command = await entry.load();
  const beforeDashes = rest.includes("--") ? rest.slice(0, rest.indexOf("--")) : rest;
  if ((command.helpFlags ?? ["-h", "--help"]).some((flag) => beforeDashes.includes(flag))) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(rest, io, env);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.("ERR_PARSE_ARGS")) {
      io.stderr.write(`cosfn ${name}: ${(error as Error).message}\nRun "cosfn ${name} --help" for usage.\n`);
      return 2;
    }
    if (closedPipe(error)) return CLOSED_PIPE;
    const message = describeFailure(error, env);
    if (message === undefined) throw error;
    io.stderr.write(`error: ${message}\n`);
    return 1;
  }
}
