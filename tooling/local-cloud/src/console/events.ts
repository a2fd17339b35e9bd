import type { IncomingMessage, ServerResponse } from "node:http";
import type { CosChange } from "../cos/request.ts";
import type { Invocation } from "../triggers.ts";
import type { EmittedEvent, EventLog, EventLogMessage } from "./event-log.ts";
import { intParam, sendError, sendJson } from "./respond.ts";

/** An event's invocations' overall outcome: none, or the worst of pending/running/retrying/failed/succeeded. */
function outcome(invocations: readonly Invocation[]): string {
  if (invocations.length === 0) return "none";
  for (const status of ["failed", "retrying", "running", "pending"] as const)
    if (invocations.some((invocation) => invocation.status === status)) return status;
  return "succeeded";
}

function view(event: EmittedEvent) {
  return { ...event, outcome: outcome(event.invocations) };
}

/**
 * `GET /api/events?bucket&function&outcome&limit`: the emitted events, newest first, each with its payload and
 * its invocations (every attempt with its start, duration, result or error).
 */
export function listEvents(res: ServerResponse, log: EventLog, query: URLSearchParams): void {
  const bucket = query.get("bucket");
  const functionName = query.get("function");
  const wanted = query.get("outcome");
  const limit = intParam(query, "limit", log.limit, log.limit);
  const events: ReturnType<typeof view>[] = [];
  for (let i = log.events.length - 1; i >= 0 && events.length < limit; i--) {
    const event = log.events[i] as EmittedEvent;
    if (bucket && event.bucket !== bucket) continue;
    if (functionName && !event.invocations.some((invocation) => invocation.functionName === functionName)) continue;
    const shown = view(event);
    if (wanted && shown.outcome !== wanted) continue;
    events.push(shown);
  }
  sendJson(res, 200, { events });
}

function frame(message: EventLogMessage): string {
  const data =
    message.type === "event"
      ? view(message.event)
      : { eventId: message.eventId, invocation: message.invocation, attempt: message.attempt };
  return `event: ${message.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /api/events/stream`: server-sent events, `event` for each new emitted event and `attempt` for each
 * attempt of an invocation, until the client disconnects.
 */
export function streamEvents(req: IncomingMessage, res: ServerResponse, log: EventLog): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
  });
  res.write(": cosfn console events\n\n");
  const unsubscribe = log.subscribe((message) => res.write(frame(message)));
  req.once("close", unsubscribe);
  res.once("close", unsubscribe);
}

/**
 * `POST /api/events/:id/replay`: dispatches the event's change again through the trigger rules bound now (`replay`
 * records it with `replayOf`); 201 with the new event, 404 NoSuchEvent when the id is unknown or no longer kept.
 */
export function replayEvent(
  res: ServerResponse,
  log: EventLog,
  id: string,
  replay: (change: CosChange, replayOf: string) => EmittedEvent,
): void {
  const event = log.get(id);
  const change = event && log.changeOf(event);
  if (!change) {
    sendError(
      res,
      404,
      "NoSuchEvent",
      `the console keeps no event ${JSON.stringify(id)} (the last ${log.limit} are kept)`,
    );
    return;
  }
  sendJson(res, 201, view(replay(change, id)));
}
