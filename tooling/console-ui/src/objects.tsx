import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "./api.ts";
import type { ObjectSummary } from "./api-types.ts";
import { Breadcrumbs } from "./crumbs.tsx";
import { formatSize, formatTime } from "./format.ts";
import { parentPrefix, placeHash } from "./location.ts";
import { OpenBox } from "./open-box.tsx";
import { UploadZone } from "./upload.tsx";

interface Listing {
  objects: ObjectSummary[];
  folders: string[];
  nextMarker: string | null;
}

/**
 * One folder of a bucket (keys grouped by `/`), with `..`, paging, a search over every key of the bucket, the open
 * box, and uploads into the folder; listed again when `revision` changes (an object was stored or deleted).
 */
export function Objects({
  bucket,
  prefix,
  selected,
  revision,
  onChanged,
}: {
  bucket: string;
  prefix: string;
  selected: string;
  revision: number;
  onChanged: () => void;
}) {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  const [matches, setMatches] = useState<{ q: string; found: ObjectSummary[]; truncated: boolean } | null>(null);

  const shown = useRef("");
  useEffect(() => {
    // A new folder starts empty; the same folder listed again (after an upload or a delete) keeps its rows meanwhile.
    if (shown.current !== `${bucket}/${prefix}`) {
      shown.current = `${bucket}/${prefix}`;
      setListing(null);
      setMatches(null);
    }
    setError("");
    api
      .objects(bucket, prefix)
      .then((page) => setListing({ objects: page.objects, folders: page.commonPrefixes, nextMarker: page.nextMarker }))
      .catch((failure: Error) => setError(failure.message));
  }, [bucket, prefix, revision]);

  const more = () => {
    if (!listing?.nextMarker) return;
    api
      .objects(bucket, prefix, listing.nextMarker)
      .then((page) =>
        setListing({
          objects: [...listing.objects, ...page.objects],
          folders: [...listing.folders, ...page.commonPrefixes],
          nextMarker: page.nextMarker,
        }),
      )
      .catch((failure: Error) => setError(failure.message));
  };
  const search = (event: Event) => {
    event.preventDefault();
    if (!query) return setMatches(null);
    api
      .search(bucket, query)
      .then((answer) => setMatches({ q: query, found: answer.matches, truncated: answer.truncated }))
      .catch((failure: Error) => setError(failure.message));
  };

  const row = (object: ObjectSummary, name: string) => (
    <tr key={object.key} aria-selected={object.key === selected}>
      <td>
        <a href={placeHash({ bucket, prefix, key: object.key })} class="key" data-testid="object-link">
          {name}
        </a>
      </td>
      <td class="num">{formatSize(object.size)}</td>
      <td>{object.storageClass}</td>
      <td>{formatTime(object.lastModified)}</td>
    </tr>
  );

  return (
    <section class="objects" aria-label="Objects">
      <Breadcrumbs bucket={bucket} prefix={prefix} />
      <OpenBox bucket={bucket} />
      <search>
        <form class="search" onSubmit={search}>
          <input
            type="search"
            placeholder="Search every key of this bucket"
            aria-label="Search keys"
            value={query}
            onInput={(event) => setQuery((event.target as HTMLInputElement).value)}
          />
          <button type="submit">Search</button>
        </form>
      </search>
      {error && <p class="error">{error}</p>}
      <UploadZone bucket={bucket} prefix={prefix} onStored={onChanged}>
        {matches ? (
          <>
            <p>
              {matches.found.length} key(s) containing <span class="key">{matches.q}</span>
              {matches.truncated && " (first 1,000)"}{" "}
              <button type="button" onClick={() => setMatches(null)}>
                Back to the folder
              </button>
            </p>
            <div class="scroll">
              <table data-testid="matches">
                <tbody>{matches.found.map((object) => row(object, object.key))}</tbody>
              </table>
            </div>
          </>
        ) : (
          listing && (
            <div class="scroll">
              <table data-testid="listing">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th class="num">Size</th>
                    <th>Class</th>
                    <th>Modified</th>
                  </tr>
                </thead>
                <tbody>
                  {prefix && (
                    <tr>
                      <td colSpan={4}>
                        <a href={placeHash({ bucket, prefix: parentPrefix(prefix) })} data-testid="up-link">
                          ⬑ up
                        </a>
                      </td>
                    </tr>
                  )}
                  {listing.folders.map((folder) => (
                    <tr key={folder}>
                      <td colSpan={4}>
                        <a href={placeHash({ bucket, prefix: folder })} class="key folder" data-testid="folder-link">
                          {folder.slice(prefix.length)}
                        </a>
                      </td>
                    </tr>
                  ))}
                  {listing.objects.map((object) => row(object, object.key.slice(prefix.length)))}
                  {listing.folders.length === 0 && listing.objects.length === 0 && (
                    <tr>
                      <td colSpan={4} class="muted">
                        Empty.
                      </td>
                    </tr>
                  )}
                </tbody>
              </table>
            </div>
          )
        )}
        {!matches && listing?.nextMarker && (
          <button type="button" onClick={more}>
            More
          </button>
        )}
      </UploadZone>
    </section>
  );
}
