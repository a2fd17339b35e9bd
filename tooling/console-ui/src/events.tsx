import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { BucketInfo, EventFilter } from "./api-types.ts";
import { EventItem } from "./event-item.tsx";
import { useLiveEvents } from "./live-events.ts";
import { placeHash } from "./location.ts";

const OUTCOMES = ["none", "pending", "running", "retrying", "failed", "succeeded"];

/** The filters, kept in the hash (`#view=events&bucket=...&function=...&outcome=...`) so that links keep them. */
function Filters({ filter, buckets, functions }: { filter: EventFilter; buckets: BucketInfo[]; functions: string[] }) {
  const set = (change: Partial<EventFilter>) => {
    location.hash = placeHash({ view: "events", ...filter, ...change });
  };
  const select = (name: keyof EventFilter, label: string, options: string[]) => (
    <label>
      {label}{" "}
      <select
        value={filter[name]}
        onChange={(event) => set({ [name]: (event.target as HTMLSelectElement).value })}
        data-testid={`filter-${name}`}
      >
        <option value="">any</option>
        {[...new Set([...options, ...(filter[name] ? [filter[name]] : [])])].map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form class="filters" aria-label="Filter events" onSubmit={(event) => event.preventDefault()}>
      {select(
        "bucket",
        "Bucket",
        buckets.map((bucket) => bucket.name),
      )}
      {select("function", "Function", functions)}
      {select("outcome", "Outcome", OUTCOMES)}
    </form>
  );
}

/** Every event the local cloud emitted, newest first, live, filtered; each opens to its invocations and payload. */
export function Events({ filter, buckets }: { filter: EventFilter; buckets: BucketInfo[] }) {
  const { events, live, error, add } = useLiveEvents(filter);
  const [functions, setFunctions] = useState<string[]>([]);
  useEffect(() => {
    api
      .triggers()
      .then((answer) =>
        setFunctions([...new Set([...(answer.functions ?? []), ...answer.rules.map((rule) => rule.functionName)])]),
      )
      .catch(() => setFunctions([]));
  }, []);
  const byId = new Map(events.map((event) => [event.id, event]));
  return (
    <section class="events" aria-label="Events">
      <h2>
        Events <span class={live ? "live" : "muted"}>{live ? "● live" : "○ connecting"}</span>
      </h2>
      <Filters filter={filter} buckets={buckets} functions={functions} />
      {error && <p class="error">{error}</p>}
      {events.length === 0 && (
        <p class="muted">
          {filter.bucket || filter.function || filter.outcome
            ? "No event passes these filters yet."
            : "No event yet: write an object to a bucket."}
        </p>
      )}
      <ol class="event-list" data-testid="events">
        {events.map((event) => (
          <EventItem
            key={event.id}
            event={event}
            original={event.replayOf ? byId.get(event.replayOf) : undefined}
            onReplayed={add}
          />
        ))}
      </ol>
    </section>
  );
}
