// Where the person is, kept in the URL's hash (#bucket=...&prefix=...&key=..., #view=events&outcome=failed...) so
// that back/forward and links work, filters included.

export const VIEWS = ["objects", "events", "requests", "triggers", "functions"] as const;
export type ViewName = (typeof VIEWS)[number];

export interface Place {
  view: ViewName;
  /** The open bucket (objects), or the events' bucket filter. */
  bucket: string;
  prefix: string;
  key: string;
  /** The events' function and outcome filters. */
  function: string;
  outcome: string;
  /** The requests' service tab (`cos`, `ci`, `cdn`, `teo`; "" for all). */
  service: string;
  /** The function view shown on the functions page. */
  id: string;
}

const FIELDS = ["bucket", "prefix", "key", "function", "outcome", "service", "id"] as const;

export function readPlace(hash: string): Place {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view = params.get("view") ?? "";
  const place: Place = {
    view: (VIEWS as readonly string[]).includes(view) ? (view as ViewName) : "objects",
    bucket: "",
    prefix: "",
    key: "",
    function: "",
    outcome: "",
    service: "",
    id: "",
  };
  for (const field of FIELDS) place[field] = params.get(field) ?? "";
  return place;
}

export function placeHash(place: Partial<Place>): string {
  const params = new URLSearchParams();
  if (place.view && place.view !== "objects") params.set("view", place.view);
  for (const field of FIELDS) {
    const value = place[field];
    if (value) params.set(field, value);
  }
  return `#${params}`;
}

/** The folder above `prefix` (`a/b/` -> `a/`, `a/` -> ``). */
export function parentPrefix(prefix: string): string {
  const trimmed = prefix.slice(0, -1);
  const cut = trimmed.lastIndexOf("/");
  return cut < 0 ? "" : trimmed.slice(0, cut + 1);
}

/** The folder holding `key` (`a/b.txt` -> `a/`, `b.txt` -> ``). */
export function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf("/") + 1);
}

/** The hash that opens an object: its folder listed, its metadata panel open. */
export function objectHash(bucket: string, key: string): string {
  return placeHash({ bucket, prefix: folderOf(key), key });
}
