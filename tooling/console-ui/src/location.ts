// Where the person is, kept in the URL's hash (#bucket=...&prefix=...&key=...) so that back/forward and links work.

export interface Place {
  view: "objects" | "events" | "requests";
  bucket: string;
  prefix: string;
  key: string;
}

export function readPlace(hash: string): Place {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return {
    view: params.get("view") === "events" ? "events" : params.get("view") === "requests" ? "requests" : "objects",
    bucket: params.get("bucket") ?? "",
    prefix: params.get("prefix") ?? "",
    key: params.get("key") ?? "",
  };
}

export function placeHash(place: Partial<Place>): string {
  const params = new URLSearchParams();
  if (place.view && place.view !== "objects") params.set("view", place.view);
  if (place.bucket) params.set("bucket", place.bucket);
  if (place.prefix) params.set("prefix", place.prefix);
  if (place.key) params.set("key", place.key);
  return `#${params}`;
}

/** The folder above `prefix` (`a/b/` -> `a/`, `a/` -> ``). */
export function parentPrefix(prefix: string): string {
  const trimmed = prefix.slice(0, -1);
  const cut = trimmed.lastIndexOf("/");
  return cut < 0 ? "" : trimmed.slice(0, cut + 1);
}
