import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { CloudApiCall, RequestEntry } from "./api-types.ts";
import { formatTime } from "./format.ts";
import { placeHash } from "./location.ts";

const TABS: [service: string, label: string][] = [
  ["", "All"],
  ["cos", "COS"],
  ["ci", "Cloud Infinite"],
  ["cdn", "CDN"],
  ["teo", "EdgeOne"],
];

/** How often the list is read again while "Live" is on. */
const LIVE_MS = 2000;

function RequestRow({ entry }: { entry: RequestEntry }) {
  return (
    <tr data-testid="request">
      <td>{formatTime(entry.time)}</td>
      <td>{entry.service}</td>
      <td>{entry.method}</td>
      <td class="key">
        {entry.bucket ?? ""}
        {entry.key !== null && `/${entry.key}`}
        {entry.query && Object.keys(entry.query).length > 0 && (
          <span class="muted">?{new URLSearchParams(entry.query).toString()}</span>
        )}
      </td>
      <td class="num">
        {entry.status}
        {entry.errorCode && ` ${entry.errorCode}`}
      </td>
      <td class="key">{entry.secretId ?? "anonymous"}</td>
      <td class="num">{entry.durationMs}</td>
      <td>
        {entry.answer !== undefined && (
          <details data-testid="ci-answer">
            <summary>answer</summary>
            <pre>{entry.answer}</pre>
          </details>
        )}
      </td>
    </tr>
  );
}

/**
 * The local cloud's request log newest first, by service (Cloud Infinite's requests with their answers), and the
 * recorded Cloud API calls (purges, prefetches); read when opened, by the Refresh button, and every 2 s while
 * "Live" is checked.
 */
export function Requests({ service }: { service: string }) {
  const [requests, setRequests] = useState<RequestEntry[]>([]);
  const [calls, setCalls] = useState<CloudApiCall[]>([]);
  const [error, setError] = useState("");
  const [live, setLive] = useState(false);
  const load = () => {
    Promise.all([api.requests(service), api.calls()])
      .then(([loaded, recorded]) => {
        setRequests(loaded);
        setCalls(recorded);
        setError("");
      })
      .catch((failure: Error) => setError(failure.message));
  };
  useEffect(load, [service]);
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(load, LIVE_MS);
    return () => clearInterval(timer);
  }, [live, service]);
  return (
    <section class="requests" aria-label="Requests">
      <h2>
        Requests{" "}
        <button type="button" onClick={load}>
          Refresh
        </button>{" "}
        <label class="live-toggle">
          <input
            type="checkbox"
            checked={live}
            onChange={(event) => setLive((event.target as HTMLInputElement).checked)}
          />{" "}
          Live
        </label>
      </h2>
      <nav class="tabs" aria-label="Services">
        {TABS.map(([name, label]) => (
          <a
            key={name}
            href={placeHash({ view: "requests", service: name })}
            aria-current={service === name ? "page" : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {error && <p class="error">{error}</p>}
      <div class="scroll">
        <table data-testid="requests">
          <thead>
            <tr>
              <th>Time</th>
              <th>Service</th>
              <th>Method</th>
              <th>Bucket / key</th>
              <th class="num">Status</th>
              <th>Signer</th>
              <th class="num">ms</th>
              <th>Answer</th>
            </tr>
          </thead>
          <tbody>
            {requests.map((entry) => (
              <RequestRow key={entry.requestId} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      {requests.length === 0 && <p class="muted">No request{service ? ` to ${service}` : ""} yet.</p>}
      <h2>Cloud API calls</h2>
      {calls.length === 0 && <p class="muted">No Cloud API call yet.</p>}
      <ol class="calls" data-testid="calls">
        {calls.map((call, index) => (
          <li key={`${call.at}-${index}`} data-testid="call">
            {formatTime(call.at)} <strong>{call.service}</strong> {call.action}
            {call.error && <span class="error"> {call.error}</span>} <code>{JSON.stringify(call.params)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
