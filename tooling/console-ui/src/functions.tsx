import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { FunctionViewInfo, ViewSection } from "./api-types.ts";
import { placeHash } from "./location.ts";
import { Cell } from "./view-cell.tsx";

function Section({ section }: { section: ViewSection }) {
  return (
    <section class="view-section" aria-label={section.title} data-testid="view-section">
      <h3>{section.title}</h3>
      {section.note && <p class="muted">{section.note}</p>}
      {section.rows.length === 0 ? (
        <p class="muted">No rows.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                {section.columns.map((column) => (
                  <th key={column}>{column}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {section.rows.map((row, index) => (
                <tr key={index} data-testid="view-row">
                  {row.map((cell, column) => (
                    <td key={column}>
                      <Cell cell={cell} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The functions' own views (db-sync's rows, cdn-purge's URLs...): one tab per view, its sections as tables. */
export function Functions({ id }: { id: string }) {
  const [views, setViews] = useState<FunctionViewInfo[] | null>(null);
  const [sections, setSections] = useState<ViewSection[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api
      .views()
      .then(setViews)
      .catch((failure: Error) => setError(failure.message));
  }, []);
  const current = id || views?.[0]?.id || "";
  const load = () => {
    if (!current) return;
    setError("");
    api
      .view(current)
      .then((answer) => setSections(answer.sections))
      .catch((failure: Error) => setError(failure.message));
  };
  useEffect(() => {
    setSections(null);
    load();
  }, [current]);
  const shown = views?.find((view) => view.id === current);
  return (
    <section class="functions" aria-label="Functions">
      <h2>Functions</h2>
      {views && views.length === 0 && <p class="muted">No function has a view.</p>}
      <nav class="tabs" aria-label="Function views">
        {views?.map((view) => (
          <a
            key={view.id}
            href={placeHash({ view: "functions", id: view.id })}
            aria-current={view.id === current ? "page" : undefined}
          >
            {view.functionName}: {view.title}
          </a>
        ))}
      </nav>
      {error && <p class="error">{error}</p>}
      {shown && (
        <h3>
          {shown.functionName}: {shown.title}{" "}
          <button type="button" onClick={load}>
            Refresh
          </button>
        </h3>
      )}
      {sections?.map((section) => (
        <Section key={section.title} section={section} />
      ))}
    </section>
  );
}
