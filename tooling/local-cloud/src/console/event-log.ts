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
  /** The id of the event this one replays (`POST /api/events/:id/replay`), else null. */
  replayOf: string | null;
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
  readonly #byId = new Map<string, EmittedEvent>();
  /** The change of each event kept, for a replay; not part of what is answered. */
  readonly #changes = new WeakMap<EmittedEvent, CosChange>();
  readonly #listeners = new Set<(message: EventLogMessage) => void>();

  constructor(limit = 1_000) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`eventLogLimit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get events(): readonly EmittedEvent[] {
    return this.#events;
  }

  /** The event with this id, while it is kept. */
  get(id: string): EmittedEvent | undefined {
    return this.#byId.get(id);
  }

  /** The COS change an event kept was made of (to dispatch it again). */
  changeOf(event: EmittedEvent): CosChange | undefined {
    return this.#changes.get(event);
  }

  /** Records a dispatched change and the invocations the triggers made of it (`replayOf`: the event replayed). */
  record(change: CosChange, invocations: Invocation[], replayOf: string | null = null): EmittedEvent {
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
      replayOf,
    };
    this.#events.push(emitted);
    this.#byId.set(emitted.id, emitted);
    this.#changes.set(emitted, change);
    for (const invocation of invocations) this.#byInvocation.set(invocation.id, emitted);
    if (this.#events.length > this.limit) {
      for (const dropped of this.#events.splice(0, this.#events.length - this.limit)) {
        this.#byId.delete(dropped.id);
        for (const invocation of dropped.invocations) this.#byInvocation.delete(invocation.id);
      }
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
