import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { BucketInfo } from "./api-types.ts";
import { Buckets } from "./buckets.tsx";
import { Events } from "./events.tsx";
import { Functions } from "./functions.tsx";
import { type Place, placeHash, readPlace, type ViewName } from "./location.ts";
import { Metadata } from "./metadata.tsx";
import { Objects } from "./objects.tsx";
import { OpenBox } from "./open-box.tsx";
import { Requests } from "./requests.tsx";
import { Triggers } from "./triggers.tsx";

const TABS: [ViewName, string][] = [
  ["objects", "Objects"],
  ["events", "Events"],
  ["requests", "Requests"],
  ["triggers", "Triggers"],
  ["functions", "Functions"],
];

function Page({ place, buckets }: { place: Place; buckets: BucketInfo[] }) {
  const [revision, setRevision] = useState(0);
  const changed = () => setRevision((current) => current + 1);
  switch (place.view) {
    case "events":
      return (
        <Events filter={{ bucket: place.bucket, function: place.function, outcome: place.outcome }} buckets={buckets} />
      );
    case "requests":
      return <Requests service={place.service} />;
    case "triggers":
      return <Triggers buckets={buckets} />;
    case "functions":
      return <Functions id={place.id} />;
    default:
      if (!place.bucket)
        return (
          <section class="objects" aria-label="Objects">
            <p class="muted">Choose a bucket, or open an object by its COS URL.</p>
            <OpenBox bucket="" />
          </section>
        );
      return (
        <>
          <Objects
            bucket={place.bucket}
            prefix={place.prefix}
            selected={place.key}
            revision={revision}
            onChanged={changed}
          />
          {place.key && (
            <Metadata bucket={place.bucket} objectKey={place.key} revision={revision} onChanged={changed} />
          )}
        </>
      );
  }
}

/** The console: buckets on the side; a bucket's folder and an object's metadata, or another view. */
export function App() {
  const [place, setPlace] = useState(() => readPlace(location.hash));
  const [buckets, setBuckets] = useState<BucketInfo[]>([]);
  const [error, setError] = useState("");
  useEffect(() => {
    const follow = () => setPlace(readPlace(location.hash));
    addEventListener("hashchange", follow);
    return () => removeEventListener("hashchange", follow);
  }, []);
  useEffect(() => {
    api
      .buckets()
      .then(setBuckets)
      .catch((failure: Error) => setError(failure.message));
  }, []);
  return (
    <>
      <header>
        <h1>cosfn console</h1>
        <nav aria-label="Views">
          {TABS.map(([view, label]) => (
            <a
              key={view}
              href={placeHash(view === "objects" ? { bucket: place.bucket } : { view })}
              aria-current={place.view === view ? "page" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
      </header>
      {error && <p class="error">{error}</p>}
      <main class={`view-${place.view}`}>
        <Buckets buckets={buckets} current={place.view === "objects" ? place.bucket : ""} />
        <Page place={place} buckets={buckets} />
      </main>
    </>
  );
}
