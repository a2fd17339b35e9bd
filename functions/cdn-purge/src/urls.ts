import type { CosEventKind } from "@cosfn/events";
import type { Config, UrlEncoding } from "./config.ts";

/** What one object change asks of the CDN. */
export interface PurgeTargets {
  /** Full URLs to purge. */
  urls: string[];
  /** Folder URLs ending in `/` to purge with everything under them. */
  prefixes: string[];
  /** URLs to prefetch once purged. */
  prefetch: string[];
}

export type UrlConfig = Pick<
  Config,
  | "domains"
  | "stripKeyPrefix"
  | "urlPathPrefix"
  | "indexDocuments"
  | "queryVariants"
  | "ignoreQuery"
  | "urlEncoding"
  | "prefetchSuffixes"
>;

/** RFC 3986's unreserved characters, which never need encoding. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * One path segment of a key, as COS writes its own object URLs (`camSafeUrlEncode`, the form of the event's
 * `cosObject.url`): every byte but RFC 3986's unreserved characters percent-encoded, so a space is `%20`, `+` is
 * `%2B`, `%` is `%25`, `#` is `%23`, `?` is `%3F`, and `测试` is `%E6%B5%8B%E8%AF%95`. With `cdn` encoding, characters
 * beyond ASCII are left as they are for the API to encode (`UrlEncode: true`); everything else is encoded the same.
 */
export function encodeSegment(segment: string, encoding: UrlEncoding): string {
  let out = "";
  for (const char of segment) {
    if (UNRESERVED.test(char)) out += char;
    else if (encoding === "cdn" && (char.codePointAt(0) as number) > 0x7f) out += char;
    else for (const byte of Buffer.from(char, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The URL path of a key (without the stripped prefix), segments encoded, starting with the URL path prefix. */
export function urlPath(relativeKey: string, config: Pick<UrlConfig, "urlPathPrefix" | "urlEncoding">): string {
  return `${config.urlPathPrefix}${relativeKey
    .split("/")
    .map((segment) => encodeSegment(segment, config.urlEncoding))
    .join("/")}`;
}

/**
 * What the CDN must forget when an object is created or removed, on every domain: the object's URL (and its query
 * variants, unless the domains ignore queries), its folder's URLs when it is an index document (`dir/index.html`
 * also purges `dir/` and `dir`); a removed folder (a key ending in `/`) is a prefix purge of everything under it.
 * A key outside `stripKeyPrefix` is not served by the CDN; a created folder marker serves nothing: both skipped.
 */
export function targetsFor(key: string, kind: CosEventKind, config: UrlConfig): PurgeTargets | { skip: string } {
  if (!key.startsWith(config.stripKeyPrefix)) {
    return { skip: `the key is not under STRIP_KEY_PREFIX ${JSON.stringify(config.stripKeyPrefix)}` };
  }
  const relative = key.slice(config.stripKeyPrefix.length);
  const targets: PurgeTargets = { urls: [], prefixes: [], prefetch: [] };
  if (relative === "" || relative.endsWith("/")) {
    if (kind !== "removed") return { skip: "a folder marker: nothing is served at its URL" };
    const path = urlPath(relative, config);
    for (const domain of config.domains) targets.prefixes.push(`${domain}${path}`);
    return targets;
  }
  const path = urlPath(relative, config);
  const paths = [path];
  const slash = path.lastIndexOf("/");
  const file = relative.slice(relative.lastIndexOf("/") + 1);
  if (config.indexDocuments.includes(file)) {
    const folder = path.slice(0, slash + 1);
    paths.push(folder);
    if (folder.length > 1) paths.push(folder.slice(0, -1));
  }
  const variants = config.ignoreQuery ? [] : config.queryVariants;
  for (const domain of config.domains) {
    for (const each of paths) {
      targets.urls.push(`${domain}${each}`);
      for (const variant of variants) targets.urls.push(`${domain}${each}?${variant}`);
    }
  }
  if (kind === "created" && config.prefetchSuffixes.some((suffix) => key.toLowerCase().endsWith(suffix))) {
    targets.prefetch = config.domains.map((domain) => `${domain}${path}`);
  }
  return targets;
}
