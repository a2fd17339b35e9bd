import { createHmac, hash } from "node:crypto";
import type { CosCredentials } from "./sdk.ts";

/** Text that encodes to itself. */
const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;
/** What `encodeURIComponent` leaves and COS encodes. */
const MARKS = /[!'()*]/;

/** `encodeURIComponent` plus `!'()*`: how COS encodes names and values for signing, and keys in paths. */
export function camSafeUrlEncode(text: string): string {
  if (UNRESERVED.test(text)) return text;
  const encoded = encodeURIComponent(text);
  return !MARKS.test(encoded)
    ? encoded
    : encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The request path of an object key, as the SDK sends it: every character encoded but `/`. */
export function objectPath(key: string): string {
  return `/${camSafeUrlEncode(key).replace(/%2F/g, "/")}`;
}

/**
 * Headers that go into the signature, as the SDK chooses them: every `x-cos-*` header and these standard ones
 * (so that nobody on the way can change them without breaking the signature).
 */
const SIGNED_HEADERS = new Set([
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-length",
  "content-md5",
  "content-type",
  "expect",
  "expires",
  "host",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-unmodified-since",
  "origin",
  "range",
  "transfer-encoding",
]);

/** What a signature covers: the method, the decoded path (`/` + key), the query and the headers, Host included. */
export interface RequestToSign {
  method: string;
  /** `/` plus the object key, not encoded. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

/** How long a key time window lasts, and how often a new one starts: any request is signed for 15 minutes at least. */
const WINDOW_SECONDS = 1200;
const WINDOW_STEP_SECONDS = 300;

/** The `name=value&...` string of the pairs, names encoded and lowercased, sorted; and the name list. */
function canonical(pairs: Record<string, string>, signed: (name: string) => boolean): [string, string] {
  const entries: [string, string][] = [];
  for (const name in pairs) {
    const lower = name.toLowerCase();
    if (signed(lower)) entries.push([camSafeUrlEncode(lower), camSafeUrlEncode(pairs[name] as string)]);
  }
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let text = "";
  let list = "";
  for (const [name, value] of entries) {
    text += text === "" ? `${name}=${value}` : `&${name}=${value}`;
    list += list === "" ? name : `;${name}`;
  }
  return [text, list];
}

/**
 * COS's XML API signature (q-sign-algorithm=sha1, Tencent Cloud doc 436/7778), as `cos-nodejs-sdk-v5` computes
 * it: HMAC-SHA1 of the key time with the SecretKey gives the sign key, which signs the SHA-1 of the request's
 * format string (method, path, query, signed headers). The sign key of the current key time window is kept, so
 * a request costs three one-shot SHA-1 hashes (its format string, then HMAC's inner and outer hash). The session token is not signed; the caller sends it as
 * `x-cos-security-token`.
 */
export class CosSigner {
  readonly #credentials: CosCredentials;
  readonly #now: () => number;
  #keyTime = "";
  #keyEnd = 0;
  /** The sign key XORed with HMAC's inner and outer pads (RFC 2104), so that a signature is two one-shot hashes. */
  #innerPad = "";
  #outerPad = Buffer.alloc(0);

  constructor(credentials: CosCredentials, now: () => number = Date.now) {
    this.#credentials = credentials;
    this.#now = now;
  }

  /** The Authorization header value for a request. */
  authorization(request: RequestToSign): string {
    const now = Math.floor(this.#now() / 1000);
    // A window starts at most WINDOW_STEP_SECONDS ago (and a second back for clock rounding), so it still has
    // at least 15 minutes to run, as the SDK's signatures do.
    if (now + 900 > this.#keyEnd) {
      const start = now - (now % WINDOW_STEP_SECONDS) - 1;
      this.#keyEnd = start + WINDOW_SECONDS;
      this.#keyTime = `${start};${this.#keyEnd}`;
      const signKey = createHmac("sha1", this.#credentials.secretKey).update(this.#keyTime).digest("hex");
      // HMAC-SHA1 with a key of at most 64 bytes (this one has 40): the key zero-padded to 64, XORed with the pads.
      const padded = Buffer.alloc(64);
      padded.write(signKey, "latin1");
      // ASCII (hex digits and zeros XORed with 0x36), so kept as a string the request's string to sign is added to.
      this.#innerPad = Buffer.from(padded.map((byte) => byte ^ 0x36)).toString("latin1");
      this.#outerPad = Buffer.from(padded.map((byte) => byte ^ 0x5c));
    }
    const [query, paramList] = canonical(request.query, () => true);
    const [headers, headerList] = canonical(
      request.headers,
      (name) => name.startsWith("x-cos-") || SIGNED_HEADERS.has(name),
    );
    const formatString = `${request.method.toLowerCase()}\n${request.path}\n${query}\n${headers}\n`;
    // One-shot hashes: a Hash or Hmac object per request cost several times the hashing itself.
    const digest = hash("sha1", formatString, "hex");
    const stringToSign = `sha1\n${this.#keyTime}\n${digest}\n`;
    const inner = hash("sha1", this.#innerPad + stringToSign, "buffer");
    const signature = hash("sha1", Buffer.concat([this.#outerPad, inner]), "hex");
    return `q-sign-algorithm=sha1&q-ak=${this.#credentials.secretId}&q-sign-time=${this.#keyTime}&q-key-time=${this.#keyTime}&q-header-list=${headerList}&q-url-param-list=${paramList}&q-signature=${signature}`;
  }
}
