// Runs one function's main_handler in a process of its own, for `cosfn invoke` and `cosfn dev`: the
// function's stdout (its JSON logs) goes to stderr, and the result or error goes back over IPC.
// Protocol: the child loads the function (the cold start) and sends {type: "ready", initMs}; the parent
// sends {event, context}; the child answers {type: "answer", ok, result | error, durationMs, maxRssKb}.
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const entry = process.argv[2] as string;
const write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
process.stdout.write = write;

function describe(error: unknown) {
  const e = error as Error & { code?: unknown; summary?: unknown };
  return {
    name: e?.name ?? "Error",
    message: e?.message ?? String(error),
    code: e?.code,
    summary: e?.summary,
    // Read here, in the function's process, so that --enable-source-maps maps it to the sources.
    stack: typeof e?.stack === "string" ? e.stack : undefined,
  };
}

const loading = performance.now();
let handler: Handler | undefined;
let loadError: unknown;
try {
  const module = entry.endsWith(".js") ? createRequire(entry)(entry) : await import(pathToFileURL(entry).href);
  handler = module.main_handler ?? module.default?.main_handler;
  if (typeof handler !== "function") throw new TypeError(`${entry} does not export main_handler`);
} catch (error) {
  loadError = error;
}
const initMs = performance.now() - loading;
process.send?.({ type: "ready", initMs });

const message = await new Promise<{ event: unknown; context: unknown }>((resolve) =>
  process.once("message", resolve as never),
);
const started = performance.now();
let answer: Record<string, unknown>;
if (loadError !== undefined || !handler) answer = { ok: false, error: describe(loadError) };
else {
  try {
    const result = await handler(message.event, message.context);
    answer = { ok: true, result: result === undefined ? null : result };
  } catch (error) {
    answer = { ok: false, error: describe(error) };
  }
}
answer = {
  type: "answer",
  ...answer,
  durationMs: performance.now() - started,
  maxRssKb: process.resourceUsage().maxRSS,
};
// Leave once the whole answer is written to the channel, even if the handler left timers or sockets behind.
process.send?.(answer, undefined, {}, () => {
  process.disconnect?.();
  setTimeout(() => process.exit(0), 50).unref();
});
