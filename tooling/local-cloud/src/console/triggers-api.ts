import type { IncomingMessage, ServerResponse } from "node:http";
import type { ObjectStore } from "../cos/store.ts";
import { TriggerOverlapError } from "../trigger-overlap.ts";
import type { BoundRule, TriggerRule, Triggers } from "../triggers.ts";
import { BodyError, readJson } from "./body.ts";
import { sendError, sendJson } from "./respond.ts";

/** The functions a console can bind to trigger rules: `cosfn dev` supplies them. */
export interface ConsoleFunctions {
  /** The names of the functions that can be bound. */
  names(): string[];
  /** The full rule, with the handler that runs the named function, for the given filter. */
  bind(rule: { bucket: string; events: string[]; prefix: string; suffix: string; functionName: string }): TriggerRule;
}

/** An event name or pattern in COS's form: `cos:ObjectCreated:*`, `cos:ObjectRemove:Delete`... */
const EVENT_PATTERN = /^cos:[A-Za-z*]+(?::[A-Za-z*]+)*$/;

/** A rule as the console answers it: without its handler. */
function shown(rule: BoundRule) {
  return {
    id: rule.id,
    bucket: rule.bucket,
    events: rule.events,
    prefix: rule.prefix ?? "",
    suffix: rule.suffix ?? "",
    functionName: rule.functionName,
  };
}

/** `GET /api/triggers`: the bound rules (id, bucket, events, prefix, suffix, function) and the functions known. */
export function listTriggers(res: ServerResponse, triggers: Triggers, functions?: ConsoleFunctions): void {
  sendJson(res, 200, { rules: triggers.rules.map(shown), functions: functions?.names() ?? [] });
}

/** The filter of `POST /api/triggers`' body, or the reason it is refused. */
function readFilter(body: unknown, store: ObjectStore, functions: ConsoleFunctions) {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return "the body must be a JSON object { bucket, events, prefix?, suffix?, functionName }";
  const { bucket, events, prefix = "", suffix = "", functionName } = body as Record<string, unknown>;
  if (typeof bucket !== "string" || !store.getBucket(bucket))
    return `bucket ${JSON.stringify(bucket)} is not a bucket of the local cloud (see GET /api/buckets)`;
  if (!Array.isArray(events) || events.length === 0)
    return 'events must be a non-empty array of COS event names, e.g. ["cos:ObjectCreated:*"]';
  for (const event of events)
    if (typeof event !== "string" || !EVENT_PATTERN.test(event))
      return `event ${JSON.stringify(event)} is not a COS event name or pattern like "cos:ObjectCreated:*"`;
  if (typeof prefix !== "string") return `prefix must be a string, got ${JSON.stringify(prefix)}`;
  if (typeof suffix !== "string") return `suffix must be a string, got ${JSON.stringify(suffix)}`;
  const names = functions.names();
  if (typeof functionName !== "string" || !names.includes(functionName))
    return `function ${JSON.stringify(functionName)} is not known (functions: ${names.join(", ") || "none"})`;
  return { bucket, events: events as string[], prefix, suffix, functionName };
}

/**
 * `POST /api/triggers` `{ bucket, events, prefix?, suffix?, functionName }`: binds a rule through `functions.bind`;
 * 201 with the rule, 409 TriggerOverlap, 400 BadRequest, 501 NotSupported without functions to bind.
 */
export async function addTrigger(
  req: IncomingMessage,
  res: ServerResponse,
  store: ObjectStore,
  triggers: Triggers,
  functions: ConsoleFunctions | undefined,
): Promise<void> {
  if (!functions) {
    sendError(
      res,
      501,
      "NotSupported",
      "the local cloud was started without functions to bind (cosfn dev supplies them): no trigger can be added here",
    );
    return;
  }
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (error) {
    if (error instanceof BodyError) return sendError(res, error.status, error.code, error.message);
    throw error;
  }
  const filter = readFilter(body, store, functions);
  if (typeof filter === "string") return sendError(res, 400, "BadRequest", `POST /api/triggers: ${filter}`);
  try {
    const rule = triggers.add({ ...functions.bind(filter), ...filter });
    sendJson(res, 201, shown(rule));
  } catch (error) {
    if (error instanceof TriggerOverlapError) return sendError(res, 409, "TriggerOverlap", error.message);
    sendError(res, 400, "BadRequest", `POST /api/triggers: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** `DELETE /api/triggers/:id`: removes the rule; 404 NoSuchTrigger. */
export function removeTrigger(res: ServerResponse, triggers: Triggers, id: string): void {
  if (triggers.remove(id)) sendJson(res, 200, { removed: id });
  else sendError(res, 404, "NoSuchTrigger", `no trigger rule has the id ${JSON.stringify(id)} (see GET /api/triggers)`);
}
