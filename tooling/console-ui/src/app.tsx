import { useEffect, useState } from "preact/hooks";
import { api, type BucketInfo } from "./api.ts";
import { Buckets } from "./buckets.tsx";
import { Events } from "./events.tsx";
import { placeHash, readPlace } from "./location.ts";
import { Metadata } from "./metadata.tsx";
import { Objects } from "./objects.tsx";
import { Requests } from "./requests.tsx";

/** The console: buckets on the side; a bucket's folder and an object's metadata, or the live events. */
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
          <a href={placeHash({ bucket: place.bucket })} aria-current={place.view === "objects" ? "page" : undefined}>
            Objects
          </a>
          <a href={placeHash({ view: "events" })} aria-current={place.view === "events" ? "page" : undefined}>
            Events
          </a>
          <a href={placeHash({ view: "requests" })} aria-current={place.view === "requests" ? "page" : undefined}>
            Requests
          </a>
        </nav>
      </header>
      {error && <p class="error">{error}</p>}
      <main>
        <Buckets buckets={buckets} current={place.bucket} />
        {place.view === "events" ? (
          <Events />
        ) : place.view === "requests" ? (
          <Requests />
        ) : place.bucket ? (
          <>
            <Objects bucket={place.bucket} prefix={place.prefix} selected={place.key} />
            {place.key && <Metadata bucket={place.bucket} objectKey={place.key} />}
          </>
        ) : (
          <p class="muted">Choose a bucket.</p>
        )}
      </main>
    </>
  );
}
