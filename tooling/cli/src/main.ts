import * as eventCommand from "./commands/event.ts";
import * as parseCommand from "./commands/parse.ts";
import { CommandError, type Io, UsageError } from "./io.ts";

interface Command {
  summary: string;
  help: string;
  run(argv: string[], io: Io): Promise<number>;
}

const commands: Record<string, Command> = {
  event: eventCommand,
  parse: parseCommand,
};

const usage = `Usage: cosfn <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join("\n")}

Run "cosfn <command> --help" for a command's options.
`;

/** Runs the cosfn command line; resolves to the exit status. */
export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    io.stdout.write(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`cosfn: unknown command ${JSON.stringify(name)}\n\n${usage}`);
    return 2;
  }
  if (rest.includes("-h") || rest.includes("--help")) {
    io.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
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
