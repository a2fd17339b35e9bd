import { useEffect, useState } from "preact/hooks";
import { type Attempt, api, type EmittedEvent, type Invocation } from "./api.ts";
import { formatTime } from "./format.ts";

/** An event's overall outcome, as the API computes it: none, else the first of failed/retrying/running/pending. */
function outcomeOf(invocations: Invocation[]): string {
  if (invocations.length === 0) return "none";
  for (const status of ["failed", "retrying", "running", "pending"])
    if (invocations.some((invocation) => invocation.status === status)) return status;
  return "succeeded";
}

function withInvocation(event: EmittedEvent, invocation: Invocation): EmittedEvent {
  const invocations = event.invocations.map((other) => (other.id === invocation.id ? invocation : other));
  return { ...event, invocations, outcome: outcomeOf(invocations) };
}

/** The events list's state: newest first, updated from the server-sent stream. */
function useLiveEvents(): { events: EmittedEvent[]; live: boolean; error: string } {
  const [events, setEvents] = useState<EmittedEvent[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    const stream = new EventSource("/api/events/stream");
    stream.onopen = () => {
      setLive(true);
      // Loaded once the stream is open, so that nothing emitted in between is missed (ids dedupe).
      api
        .events()
        .then((loaded) =>
          setEvents((current) => {
            const known = new Set(current.map((event) => event.id));
            return [...current, ...loaded.filter((event) => !known.has(event.id))];
          }),
        )
        .catch((failure: Error) => setError(failure.message));
    };
    stream.onerror = () => setLive(false);
    stream.addEventListener("event", (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as EmittedEvent;
      setEvents((current) => [event, ...current.filter((other) => other.id !== event.id)]);
    });
    stream.addEventListener("attempt", (message) => {
      const { eventId, invocation } = JSON.parse((message as MessageEvent<string>).data) as {
        eventId: string;
        invocation: Invocation;
      };
      setEvents((current) =>
        current.map((event) => (event.id !== eventId ? event : withInvocation(event, invocation))),
      );
    });
    return () => stream.close();
  }, []);
  return { events, live, error };
}

function AttemptLine({ attempt, index }: { attempt: Attempt; index: number }) {
  return (
    <li class={attempt.error ? "failed" : "succeeded"}>
      attempt {index + 1}: {attempt.error ? `${attempt.error.name}: ${attempt.error.message}` : "succeeded"} in{" "}
      {attempt.durationMs} ms
    </li>
  );
}

/** Every event the local cloud emitted, newest first, live; each opens to its payload and invocations. */
export function Events() {
  const { events, live, error } = useLiveEvents();
  return (
    <section class="events" aria-label="Events">
      <h2>
        Events <span class={live ? "live" : "muted"}>{live ? "● live" : "○ connecting"}</span>
      </h2>
      {error && <p class="error">{error}</p>}
      {events.length === 0 && <p class="muted">No event yet: write an object to a bucket.</p>}
      <ol class="event-list" data-testid="events">
        {events.map((event) => (
          <li key={event.id} class={`outcome-${event.outcome}`} data-testid="event">
            <details>
              <summary>
                <span>{formatTime(event.time)}</span> <strong>{event.eventName}</strong>{" "}
                <span class="key">
                  {event.bucket}/{event.key}
                </span>{" "}
                <span class="badge">{event.outcome}</span>{" "}
                {event.invocations.map((invocation) => invocation.functionName).join(", ")}
              </summary>
              {event.invocations.map((invocation) => (
                <div key={invocation.id}>
                  <h3>
                    {invocation.functionName}: {invocation.status}
                  </h3>
                  <ol>
                    {invocation.attempts.map((attempt, index) => (
                      <AttemptLine key={attempt.requestId} attempt={attempt} index={index} />
                    ))}
                  </ol>
                </div>
              ))}
              <pre>{JSON.stringify(event.payload, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
