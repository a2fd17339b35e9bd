// Runs one function's main_handler in a process of its own, for `cosfn invoke` and `cosfn dev`: the
// function's stdout (its JSON logs) goes to stderr, and the result or error goes back over IPC.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const entry = process.argv[2] as string;
const write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
process.stdout.write = write;

const message = await new Promise<{ event: unknown; context: unknown }>((resolve) =>
  process.once("message", resolve as never),
);
let handler: Handler | undefined;
try {
  const module = entry.endsWith(".js") ? createRequire(entry)(entry) : await import(pathToFileURL(entry).href);
  handler = module.main_handler ?? module.default?.main_handler;
  if (typeof handler !== "function") throw new TypeError(`${entry} does not export main_handler`);
  const result = await handler(message.event, message.context);
  process.send?.({ ok: true, result: result === undefined ? null : result });
} catch (error) {
  const e = error as Error & { code?: unknown; summary?: unknown };
  process.send?.({
    ok: false,
    error: { name: e?.name ?? "Error", message: e?.message ?? String(error), code: e?.code, summary: e?.summary },
  });
}
// Leave once the answer is out, even if the handler left timers or sockets behind.
process.disconnect?.();
setTimeout(() => process.exit(0), 50).unref();
