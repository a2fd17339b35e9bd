import { randomUUID } from "node:crypto";
import type { CosChange } from "../cos/request.ts";
import { type Invocation, type InvocationAttempt, Triggers } from "../triggers.ts";

/** One event the local cloud emitted for a COS change, with the invocations trigger rules made of it. */
export interface EmittedEvent {
  id: string;
  /** When the change was dispatched, ISO 8601. */
  time: string;
  eventName: string;
  bucket: string;
  key: string;
  versionId: string | null;
  size: number;
  /** The SCF event as COS sends it (its `functionName` empty: each invocation's own event names its function). */
  payload: unknown;
  /** The invocations made of it, updated in place by the triggers as attempts run. */
  invocations: Invocation[];
}

/** What a live listener receives: a new event, or an attempt of one of its invocations. */
export type EventLogMessage =
  | { type: "event"; event: EmittedEvent }
  | { type: "attempt"; eventId: string; invocation: Invocation; attempt: InvocationAttempt };

/**
 * Every event the local cloud emitted (matched by a trigger rule or not), oldest first, at most `limit` of them.
 * Kept only when the console is enabled: without it, the COS path does not build these records.
 */
export class EventLog {
  readonly limit: number;
  readonly #events: EmittedEvent[] = [];
  readonly #byInvocation = new Map<string, EmittedEvent>();
  readonly #listeners = new Set<(message: EventLogMessage) => void>();

  constructor(limit = 1_000) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`eventLogLimit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get events(): readonly EmittedEvent[] {
    return this.#events;
  }

  /** Records a dispatched change and the invocations the triggers made of it. */
  record(change: CosChange, invocations: Invocation[]): EmittedEvent {
    const { eventName, event } = Triggers.eventFor(change, "");
    const removal = change.operation === "Delete" || change.operation === "DeleteMarkerCreated";
    const emitted: EmittedEvent = {
      id: randomUUID(),
      time: new Date().toISOString(),
      eventName,
      bucket: change.bucket,
      key: change.key,
      versionId: change.object.versionId ?? null,
      size: removal ? 0 : change.object.size,
      payload: event,
      invocations,
    };
    this.#events.push(emitted);
    for (const invocation of invocations) this.#byInvocation.set(invocation.id, emitted);
    if (this.#events.length > this.limit) {
      for (const dropped of this.#events.splice(0, this.#events.length - this.limit))
        for (const invocation of dropped.invocations) this.#byInvocation.delete(invocation.id);
    }
    this.#emit({ type: "event", event: emitted });
    return emitted;
  }

  /** Reports an attempt of an invocation (the triggers' `onAttempt`). */
  attempted(invocation: Invocation, attempt: InvocationAttempt): void {
    const event = this.#byInvocation.get(invocation.id);
    if (event) this.#emit({ type: "attempt", eventId: event.id, invocation, attempt });
  }

  /** Calls `listener` for every new event and attempt until the returned function is called. */
  subscribe(listener: (message: EventLogMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(message: EventLogMessage): void {
    for (const listener of this.#listeners) listener(message);
  }
}
