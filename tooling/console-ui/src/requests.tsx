import { useEffect, useState } from "preact/hooks";
import { api, type CloudApiCall, type RequestEntry } from "./api.ts";
import { formatTime } from "./format.ts";

/** The local cloud's request log and its recorded Cloud API calls, newest first (loaded when opened, or refreshed). */
export function Requests() {
  const [requests, setRequests] = useState<RequestEntry[]>([]);
  const [calls, setCalls] = useState<CloudApiCall[]>([]);
  const [error, setError] = useState("");
  const load = () => {
    Promise.all([api.requests(), api.calls()])
      .then(([loaded, recorded]) => {
        setRequests(loaded);
        setCalls(recorded);
      })
      .catch((failure: Error) => setError(failure.message));
  };
  useEffect(load, []);
  return (
    <section class="requests" aria-label="Requests">
      <h2>
        Requests{" "}
        <button type="button" onClick={load}>
          Refresh
        </button>
      </h2>
      {error && <p class="error">{error}</p>}
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
          </tr>
        </thead>
        <tbody>
          {requests.map((entry) => (
            <tr key={entry.requestId} data-testid="request">
              <td>{formatTime(entry.time)}</td>
              <td>{entry.service}</td>
              <td>{entry.method}</td>
              <td class="key">
                {entry.bucket ?? ""}
                {entry.key !== null && `/${entry.key}`}
              </td>
              <td class="num">
                {entry.status}
                {entry.errorCode && ` ${entry.errorCode}`}
              </td>
              <td class="key">{entry.secretId ?? "anonymous"}</td>
              <td class="num">{entry.durationMs}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Cloud API calls</h2>
      {calls.length === 0 && <p class="muted">No Cloud API call yet.</p>}
      <ol class="calls">
        {calls.map((call, index) => (
          <li key={`${call.at}-${index}`}>
            {formatTime(call.at)} <strong>{call.service}</strong> {call.action}
            {call.error && <span class="error"> {call.error}</span>} <code>{JSON.stringify(call.params)}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
