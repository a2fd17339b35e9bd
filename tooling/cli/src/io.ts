import { readFile } from "node:fs/promises";
import { PermanentError } from "@cosfn/errors";

/** Where a command reads and writes; tests pass their own. */
export interface Io {
  stdin: AsyncIterable<Buffer | string>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** A mistake in how the command was called: printed with a pointer to --help, exit status 2. */
export class UsageError extends PermanentError {
  override readonly name = "UsageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("USAGE", message, options);
  }
}

/** A failure the command reports as `error: <message>`, exit status 1. */
export class CommandError extends PermanentError {
  override readonly name = "CommandError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("COMMAND_FAILED", message, options);
  }
}

/** The text of a file, or of standard input for `-`. */
export async function readInput(source: string, io: Io): Promise<string> {
  if (source === "-") {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    return await readFile(source, "utf8");
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CommandError(`${source}: cannot read (${code ?? String(cause)})`, { cause });
  }
}

/** The exit statuses every command shares, as its --help states them. */
export const EXIT_STATUS = `Exit status:
  0  done
  1  failed: "error: <what and where>" on standard error
  2  usage error (unknown command or option, missing or extra argument): the problem and a pointer to --help
  141  standard output closed by its reader (| head): the command ends quietly, as cat does on SIGPIPE
`;
