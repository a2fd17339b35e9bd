import { parseArgs } from "node:util";
import { safeParseCosEvent } from "@cosfn/events";
import { type Io, readInput, UsageError } from "../io.ts";

export const help = `Usage: cosfn parse [FILE|-]

Validates a COS trigger event (from FILE, or standard input when FILE is - or absent) and prints
{"records": [...]}: the records as @cosfn/events normalizes them (key decoded, region in full, ETag without
quotes, eventTime as ISO 8601), without the raw record.

An invalid event prints one line per problem on standard error, "error: <path>: <problem>", and exits 1.

Options:
  -h, --help   show this help
`;

export async function run(argv: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  if (positionals.length > 1) throw new UsageError(`expected one FILE, got ${positionals.length}`);
  const source = positionals[0] ?? "-";
  if (positionals.length === 0 && (io.stdin as { isTTY?: boolean }).isTTY) {
    throw new UsageError("expected an event on standard input, or a FILE");
  }
  const text = await readInput(source, io);
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (cause) {
    io.stderr.write(`error: ${source === "-" ? "<stdin>" : source}: not valid JSON (${(cause as Error).message})\n`);
    return 1;
  }
  const result = safeParseCosEvent(input);
  if (!result.success) {
    for (const issue of result.error.issues) io.stderr.write(`error: ${issue.path}: ${issue.problem}\n`);
    return 1;
  }
  const records = result.data.map(({ raw: _raw, ...record }) => record);
  io.stdout.write(`${JSON.stringify({ records }, null, 2)}\n`);
  return 0;
}
