import { useEffect, useState } from "preact/hooks";
import { api, type ObjectSummary } from "./api.ts";
import { formatSize, formatTime } from "./format.ts";
import { parentPrefix, placeHash } from "./location.ts";

interface Listing {
  objects: ObjectSummary[];
  folders: string[];
  nextMarker: string | null;
}

/** The path shown above a listing, each folder a link. */
function Breadcrumbs({ bucket, prefix }: { bucket: string; prefix: string }) {
  const parts = prefix.split("/").slice(0, -1);
  return (
    <p class="crumbs" data-testid="crumbs">
      <a href={placeHash({ bucket })}>{bucket}</a>
      {parts.map((part, i) => (
        <span key={parts.slice(0, i + 1).join("/")}>
          {" / "}
          <a href={placeHash({ bucket, prefix: `${parts.slice(0, i + 1).join("/")}/` })} class="key">
            {part}
          </a>
        </span>
      ))}
    </p>
  );
}

/** One folder of a bucket (keys grouped by `/`), with `..`, paging, and a search over every key of the bucket. */
export function Objects({ bucket, prefix, selected }: { bucket: string; prefix: string; selected: string }) {
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  const [matches, setMatches] = useState<{ q: string; found: ObjectSummary[]; truncated: boolean } | null>(null);

  useEffect(() => {
    setListing(null);
    setError("");
    setMatches(null);
    api
      .objects(bucket, prefix)
      .then((page) => setListing({ objects: page.objects, folders: page.commonPrefixes, nextMarker: page.nextMarker }))
      .catch((failure: Error) => setError(failure.message));
  }, [bucket, prefix]);

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
      {matches ? (
        <>
          <p>
            {matches.found.length} key(s) containing <span class="key">{matches.q}</span>
            {matches.truncated && " (first 1,000)"}{" "}
            <button type="button" onClick={() => setMatches(null)}>
              Back to the folder
            </button>
          </p>
          <table>
            <tbody>{matches.found.map((object) => row(object, object.key))}</tbody>
          </table>
        </>
      ) : (
        listing && (
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
        )
      )}
      {!matches && listing?.nextMarker && (
        <button type="button" onClick={more}>
          More
        </button>
      )}
    </section>
  );
}
