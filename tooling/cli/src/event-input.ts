import { CommandError } from "./io.ts";

/** SCF's largest invocation event: 6 MB synchronous (406 RequestTooLarge); asynchronous ones, COS's, 128 KB. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
export const MAX_ASYNC_EVENT_BYTES = 128 * 1024;
/** Deeper JSON than any event (a COS event is 6 levels) cannot be passed to the function's process. */
export const MAX_EVENT_DEPTH = 1000;

/** How deep JSON text nests, scanned without recursion (so a hostile event cannot overflow the stack). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

/**
 * The event a function is invoked with, from its text: refused, as SCF refuses it, when larger than 6 MB, and
 * when it nests deeper than 1,000 levels; a warning when larger than the 128 KB COS's asynchronous invocations
 * carry.
 */
export function parseEvent(text: string, source: string, warn: (line: string) => void): unknown {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_EVENT_BYTES) {
    throw new CommandError(
      `${source}: the event is ${(bytes / 1024 / 1024).toFixed(1)} MB; SCF refuses events over 6 MB (406 RequestTooLarge), and COS's asynchronous invocations carry at most 128 KB`,
    );
  }
  const depth = jsonDepth(text);
  if (depth > MAX_EVENT_DEPTH) {
    throw new CommandError(
      `${source}: the event nests ${depth} levels deep; cosfn invoke takes at most ${MAX_EVENT_DEPTH} (a COS event is 6)`,
    );
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (cause) {
    throw new CommandError(`${source}: not valid JSON (${(cause as Error).message})`);
  }
  if (bytes > MAX_ASYNC_EVENT_BYTES) {
    warn(
      `warning: ${source}: the event is ${(bytes / 1024).toFixed(0)} KB; COS invokes functions asynchronously, and SCF caps asynchronous events at 128 KB\n`,
    );
  }
  return event;
}
