/** COS's limit on the length of an object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 850;

/**
 * Percent-encodes an object key the way COS writes it into URLs (`cosObject.url`) and the SDK signs it:
 * every byte outside the RFC 3986 unreserved set, `!'()*` included, except `/`, which stays a separator.
 * Throws a URIError for a string that is not valid Unicode (a lone surrogate).
 */
export function encodeObjectKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, "/");
}

/** `decodeURIComponent`, or `undefined` where the text is not valid percent-encoding. */
export function tryDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * The undecoded path of a URL, without its leading `/`, taken textually: `new URL()` would resolve the
 * `..` and `.` segments that are legal in object keys. `undefined` if the text is not an absolute URL.
 */
export function rawUrlPath(url: string): string | undefined {
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?(?:[?#].*)?$/s.exec(url);
  if (!match) return undefined;
  return (match[1] ?? "/").slice(1);
}

export function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
