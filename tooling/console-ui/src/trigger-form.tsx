import { useState } from "preact/hooks";
import { api } from "./api.ts";
import type { BucketInfo, TriggerRule } from "./api-types.ts";

/** The event names a COS trigger can name (the wildcards first). */
const EVENT_NAMES = [
  "cos:ObjectCreated:*",
  "cos:ObjectRemove:*",
  "cos:ObjectRestore:*",
  "cos:ObjectCreated:Put",
  "cos:ObjectCreated:Post",
  "cos:ObjectCreated:Copy",
  "cos:ObjectCreated:CompleteMultipartUpload",
  "cos:ObjectCreated:Origin",
  "cos:ObjectCreated:Replication",
  "cos:ObjectRemove:Delete",
  "cos:ObjectRemove:DeleteMarkerCreated",
  "cos:ObjectRestore:Post",
  "cos:ObjectRestore:Completed",
];

/** The form that binds a new rule: bucket, events, prefix, suffix, function; the API's refusal shown as worded. */
export function TriggerForm({
  buckets,
  functions,
  onAdded,
}: {
  buckets: BucketInfo[];
  functions: string[];
  onAdded: (rule: TriggerRule) => void;
}) {
  const [bucket, setBucket] = useState("");
  const [events, setEvents] = useState<string[]>(["cos:ObjectCreated:*"]);
  const [prefix, setPrefix] = useState("");
  const [suffix, setSuffix] = useState("");
  const [functionName, setFunctionName] = useState("");
  const [error, setError] = useState("");
  const chosenBucket = bucket || buckets[0]?.name || "";
  const chosenFunction = functionName || functions[0] || "";
  const submit = (event: Event) => {
    event.preventDefault();
    setError("");
    api
      .addTrigger({ bucket: chosenBucket, events, prefix, suffix, functionName: chosenFunction })
      .then(onAdded)
      .catch((failure: Error) => setError(failure.message));
  };
  const toggle = (name: string, on: boolean) =>
    setEvents((current) => (on ? [...current, name] : current.filter((other) => other !== name)));
  const text = (set: (next: string) => void) => (event: Event) => set((event.target as HTMLInputElement).value);
  return (
    <form class="trigger-form" onSubmit={submit} aria-label="Add a trigger rule" data-testid="trigger-form">
      <h3>Add a rule</h3>
      <label>
        Bucket{" "}
        <select
          value={chosenBucket}
          onChange={(event) => setBucket((event.target as HTMLSelectElement).value)}
          data-testid="trigger-bucket"
        >
          {buckets.map((option) => (
            <option key={option.name} value={option.name}>
              {option.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Events</legend>
        {EVENT_NAMES.map((name) => (
          <label key={name} class="check">
            <input
              type="checkbox"
              checked={events.includes(name)}
              onChange={(event) => toggle(name, (event.target as HTMLInputElement).checked)}
            />{" "}
            {name}
          </label>
        ))}
      </fieldset>
      <label>
        Prefix <input type="text" value={prefix} onInput={text(setPrefix)} data-testid="trigger-prefix" />
      </label>
      <label>
        Suffix <input type="text" value={suffix} onInput={text(setSuffix)} data-testid="trigger-suffix" />
      </label>
      <label>
        Function{" "}
        <select
          value={chosenFunction}
          onChange={(event) => setFunctionName((event.target as HTMLSelectElement).value)}
          data-testid="trigger-function"
        >
          {functions.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <p>
        <button type="submit">Add rule</button>
      </p>
      {error && (
        <p class="error" role="alert" data-testid="trigger-error">
          {error}
        </p>
      )}
    </form>
  );
}
