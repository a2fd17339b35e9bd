import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { EmittedEvent, EventFilter, Invocation } from "./api-types.ts";

/** An event's overall outcome, as the API computes it: none, else the first of failed/retrying/running/pending. */
function outcomeOf(invocations: Invocation[]): string {
  if (invocations.length === 0) return "none";
  for (const status of ["failed", "retrying", "running", "pending"])
    if (invocations.some((invocation) => invocation.status === status)) return status;
  return "succeeded";
}

function withInvocation(event: EmittedEvent, invocation: Invocation): EmittedEvent {
  const known = event.invocations.some((other) => other.id === invocation.id);
  const invocations = known
    ? event.invocations.map((other) => (other.id === invocation.id ? invocation : other))
    : [...event.invocations, invocation];
  return { ...event, invocations, outcome: outcomeOf(invocations) };
}

/** Whether an event passes the filters, as the API's `GET /api/events?bucket&function&outcome` decides. */
export function matches(event: EmittedEvent, filter: EventFilter): boolean {
  if (filter.bucket && event.bucket !== filter.bucket) return false;
  if (filter.function && !event.invocations.some((invocation) => invocation.functionName === filter.function))
    return false;
  return !filter.outcome || event.outcome === filter.outcome;
}

/** At most this many events are kept in the page (the local cloud keeps 1,000 by default). */
const KEPT = 1_000;

/** Adds or replaces an event, newest (by time) first, keeping the newest `KEPT`. */
export function merge(current: EmittedEvent[], event: EmittedEvent): EmittedEvent[] {
  const others = current.filter((other) => other.id !== event.id);
  const at = others.findIndex((other) => other.time <= event.time);
  const merged = at < 0 ? [...others, event] : [...others.slice(0, at), event, ...others.slice(at)];
  return merged.length > KEPT ? merged.slice(0, KEPT) : merged;
}

/**
 * The list as the API answered it, merged into the events shown: the answer's version of each event wins unless
 * the stream changed that event since it opened; newest (by time) first, the newest `KEPT`.
 */
export function mergeLoaded(current: EmittedEvent[], loaded: EmittedEvent[], touched: ReadonlySet<string>) {
  const fresh = loaded.filter((event) => !touched.has(event.id));
  const replaced = new Set(fresh.map((event) => event.id));
  const merged = [...current.filter((event) => !replaced.has(event.id)), ...fresh];
  merged.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  return merged.length > KEPT ? merged.slice(0, KEPT) : merged;
}

/**
 * The events list's state: those the API lists for the filters, then every new one and every attempt from the
 * server-sent stream (shown when it passes the filters, as the outcome changes).
 */
export function useLiveEvents(filter: EventFilter): {
  events: EmittedEvent[];
  live: boolean;
  error: string;
  add: (event: EmittedEvent) => void;
} {
  const [events, setEvents] = useState<EmittedEvent[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    // The events already shown stay (filtered here) while the new filter's list loads: the list never blinks
    // empty when a filter changes.
    setError("");
    // Events the stream changed since it opened: fresher than what the list request answers.
    const touched = new Set<string>();
    const stream = new EventSource("/api/events/stream");
    stream.onopen = () => {
      setLive(true);
      // Loaded once the stream is open, so that nothing emitted in between is missed (ids dedupe).
      api
        .events(filter)
        .then((loaded) => setEvents((current) => mergeLoaded(current, loaded, touched)))
        .catch((failure: Error) => setError(failure.message));
    };
    stream.onerror = () => setLive(false);
    stream.addEventListener("event", (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as EmittedEvent;
      touched.add(event.id);
      setEvents((current) => merge(current, event));
    });
    stream.addEventListener("attempt", (message) => {
      const { eventId, invocation } = JSON.parse((message as MessageEvent<string>).data) as {
        eventId: string;
        invocation: Invocation;
      };
      touched.add(eventId);
      setEvents((current) =>
        current.map((event) => (event.id !== eventId ? event : withInvocation(event, invocation))),
      );
    });
    return () => {
      stream.close();
      setLive(false);
    };
  }, [filter.bucket, filter.function, filter.outcome]);
  const add = (event: EmittedEvent) => setEvents((current) => merge(current, event));
  return { events: events.filter((event) => matches(event, filter)), live, error, add };
}
