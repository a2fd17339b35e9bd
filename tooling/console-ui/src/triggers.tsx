import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { BucketInfo, TriggerRule } from "./api-types.ts";
import { Confirm } from "./confirm.tsx";
import { TriggerForm } from "./trigger-form.tsx";

/** The bound trigger rules, a form to add one, and a Remove button (with a confirmation) on each. */
export function Triggers({ buckets }: { buckets: BucketInfo[] }) {
  const [rules, setRules] = useState<TriggerRule[]>([]);
  const [functions, setFunctions] = useState<string[]>([]);
  const [error, setError] = useState("");
  const [removing, setRemoving] = useState<TriggerRule | null>(null);
  const load = () =>
    api
      .triggers()
      .then((answer) => {
        setRules(answer.rules);
        setFunctions(answer.functions ?? []);
      })
      .catch((failure: Error) => setError(failure.message));
  useEffect(() => {
    void load();
  }, []);
  const remove = (rule: TriggerRule) => {
    setError("");
    api
      .removeTrigger(rule.id)
      .then(load)
      .catch((failure: Error) => setError(failure.message));
  };
  return (
    <section class="triggers" aria-label="Triggers">
      <h2>Triggers</h2>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="scroll">
        <table data-testid="rules">
          <thead>
            <tr>
              <th>Bucket</th>
              <th>Events</th>
              <th>Prefix</th>
              <th>Suffix</th>
              <th>Function</th>
              <th>
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <tr key={rule.id} data-testid="rule">
                <td class="key">{rule.bucket}</td>
                <td>{rule.events.join(", ")}</td>
                <td class="key">{rule.prefix}</td>
                <td class="key">{rule.suffix}</td>
                <td>{rule.functionName}</td>
                <td>
                  <button type="button" class="danger" onClick={() => setRemoving(rule)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rules.length === 0 && <p class="muted">No trigger rule is bound.</p>}
      {removing && (
        <Confirm
          title="Remove this trigger rule?"
          confirmLabel="Remove"
          onConfirm={() => remove(removing)}
          onClose={() => setRemoving(null)}
        >
          <p>
            {removing.functionName} stops receiving {removing.events.join(", ")} from{" "}
            <span class="key">
              {removing.bucket}/{removing.prefix}*{removing.suffix}
            </span>
            .
          </p>
        </Confirm>
      )}
      <TriggerForm buckets={buckets} functions={functions} onAdded={() => void load()} />
    </section>
  );
}
