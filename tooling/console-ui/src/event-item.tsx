import { useState } from "preact/hooks";
import { api } from "./api.ts";
import type { Attempt, EmittedEvent } from "./api-types.ts";
import { formatTime } from "./format.ts";

function AttemptItem({ attempt, index }: { attempt: Attempt; index: number }) {
  return (
    <li class={attempt.error ? "failed" : "succeeded"} data-testid="attempt">
      attempt {index + 1}: {attempt.error ? `${attempt.error.name}: ${attempt.error.message}` : "succeeded"} in{" "}
      {attempt.durationMs} ms <span class="muted key">{attempt.requestId}</span>
      {attempt.result !== undefined && (
        <>
          <h4>Summary</h4>
          <pre data-testid="attempt-result">{JSON.stringify(attempt.result, null, 2)}</pre>
        </>
      )}
      <h4>Log</h4>
      {attempt.logs ? (
        <pre class="logs" data-testid="attempt-logs">
          {attempt.logs}
        </pre>
      ) : (
        <p class="muted">Nothing logged.</p>
      )}
    </li>
  );
}

/**
 * One emitted event: a line (time, name, object, outcome, functions) that opens to each invocation's attempts
 * (outcome, the function's summary and log lines) and the exact payload, and a Replay button.
 */
export function EventItem({
  event,
  original,
  onReplayed,
}: {
  event: EmittedEvent;
  /** The event this one replays, when it is in the list. */
  original: EmittedEvent | undefined;
  onReplayed: (replay: EmittedEvent) => void;
}) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const replay = () => {
    setBusy(true);
    setError("");
    api
      .replay(event.id)
      .then(onReplayed)
      .catch((failure: Error) => setError(failure.message))
      .finally(() => setBusy(false));
  };
  return (
    <li class={`outcome-${event.outcome}`} data-testid="event" data-event-id={event.id}>
      <button
        type="button"
        class="replay"
        onClick={replay}
        disabled={busy}
        aria-label={`Replay ${event.eventName} of ${event.key}`}
      >
        Replay
      </button>
      <details>
        <summary>
          <span>{formatTime(event.time)}</span> <strong>{event.eventName}</strong>{" "}
          <span class="key">
            {event.bucket}/{event.key}
          </span>{" "}
          <span class="badge">{event.outcome}</span>{" "}
          {event.invocations.map((invocation) => invocation.functionName).join(", ")}
          {event.replayOf && (
            <span class="muted" data-testid="replay-of">
              {" "}
              (replay of {original ? `the event of ${formatTime(original.time)}` : event.replayOf})
            </span>
          )}
        </summary>
        {event.invocations.length === 0 && <p class="muted">No trigger rule matched: nothing was invoked.</p>}
        {event.invocations.map((invocation) => (
          <div key={invocation.id} class="invocation">
            <h3>
              {invocation.functionName}: {invocation.status}
            </h3>
            <p class="muted" data-testid="matched-rule">
              rule: {invocation.rule.events.join(", ")} on{" "}
              <span class="key">
                {invocation.rule.bucket}/{invocation.rule.prefix}*{invocation.rule.suffix}
              </span>
            </p>
            <ol>
              {invocation.attempts.map((attempt, index) => (
                <AttemptItem key={attempt.requestId} attempt={attempt} index={index} />
              ))}
            </ol>
          </div>
        ))}
        <h4>Payload</h4>
        <pre>{JSON.stringify(event.payload, null, 2)}</pre>
      </details>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
