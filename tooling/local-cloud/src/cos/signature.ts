import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { CosError } from "./errors.ts";

/** A key pair the server accepts, with the session token temporary credentials must send. */
export interface Credentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

/** The parts of a request that COS's q-sign signature covers. */
export interface SignedRequest {
  method: string;
  /** The decoded path: `/` plus the object key, or `/` for bucket requests. */
  path: string;
  query: [name: string, value: string][];
  headers: IncomingHttpHeaders;
}

const AUTH_FIELDS = [
  "q-sign-algorithm",
  "q-ak",
  "q-sign-time",
  "q-key-time",
  "q-header-list",
  "q-url-param-list",
  "q-signature",
];

/** `encodeURIComponent` plus `!'()*`, as COS and its SDKs encode names and values for signing. */
export function camSafeUrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Computes the q-sign signature (HMAC-SHA1, COS's documented algorithm, doc 436/7778) of a request for the
 * given signed header and parameter lists.
 */
export function cosSignature(
  request: SignedRequest,
  secretKey: string,
  fields: { signTime: string; keyTime: string; headerList: string[]; paramList: string[] },
): string {
  const params = pairsFor(request.query, fields.paramList);
  const headers = pairsFor(
    Object.entries(request.headers).map(([name, value]): [string, string] => [
      name,
      Array.isArray(value) ? value.join(",") : (value ?? ""),
    ]),
    fields.headerList,
  );
  const formatString = [request.method.toLowerCase(), request.path, params, headers, ""].join("\n");
  const stringToSign = [
    "sha1",
    fields.signTime,
    createHash("sha1").update(formatString, "utf8").digest("hex"),
    "",
  ].join("\n");
  const signKey = createHmac("sha1", secretKey).update(fields.keyTime).digest("hex");
  return createHmac("sha1", signKey).update(stringToSign).digest("hex");
}

/** The `name=value&...` string of the pairs whose encoded, lowercased name is listed, sorted by name. */
function pairsFor(pairs: [string, string][], list: string[]): string {
  const wanted = new Set(list);
  return pairs
    .filter(([name]) => wanted.has(camSafeUrlEncode(name).toLowerCase()))
    .sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : a.toLowerCase() > b.toLowerCase() ? 1 : 0))
    .map(([name, value]) => `${camSafeUrlEncode(name).toLowerCase()}=${camSafeUrlEncode(value)}`)
    .join("&");
}

/** Reads the q-sign fields from the Authorization header, or from the query string of a pre-signed URL. */
export function readAuthorization(request: SignedRequest): Map<string, string> | undefined {
  const header = request.headers.authorization;
  const fields = new Map<string, string>();
  if (typeof header === "string" && header !== "") {
    for (const part of header.split("&")) {
      const at = part.indexOf("=");
      // Values are taken as they are: COS refuses a `q-ak` with whitespace around it (no SecretId matches), so
      // the local cloud does not trim it into one that does.
      if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1));
    }
    return fields;
  }
  for (const [name, value] of request.query) if (AUTH_FIELDS.includes(name)) fields.set(name, value);
  return fields.size > 0 ? fields : undefined;
}

/**
 * Checks a request's q-sign signature against the accepted credentials; throws the CosError COS would answer
 * with (`AccessDenied` for a missing or expired signature, `InvalidAccessKeyId`, `SignatureDoesNotMatch`).
 */
export function verifyCosSignature(
  request: SignedRequest,
  accepted: readonly Credentials[],
  nowMs = Date.now(),
): Credentials {
  const fields = readAuthorization(request);
  if (!fields) throw new CosError("AccessDenied", "access denied: the request is not signed");
  for (const name of AUTH_FIELDS) {
    if (!fields.has(name)) throw new CosError("AccessDenied", `the Authorization is missing ${name}`);
  }
  if (fields.get("q-sign-algorithm") !== "sha1") {
    throw new CosError("AccessDenied", `unsupported q-sign-algorithm ${fields.get("q-sign-algorithm")}`);
  }
  const credentials = accepted.find((c) => c.secretId === fields.get("q-ak"));
  if (!credentials)
    throw new CosError("InvalidAccessKeyId", "the access key Id you provided does not exist in our records");

  const signTime = fields.get("q-sign-time") as string;
  const keyTime = fields.get("q-key-time") as string;
  const now = Math.floor(nowMs / 1000);
  for (const window of [signTime, keyTime]) {
    const match = /^(\d+);(\d+)$/.exec(window);
    if (!match) throw new CosError("AccessDenied", `malformed q-sign-time or q-key-time ${JSON.stringify(window)}`);
    if (now > Number(match[2])) throw new CosError("AccessDenied", "Request has expired");
    if (now < Number(match[1]) - 900)
      throw new CosError(
        "RequestTimeTooSkewed",
        "the difference between the request time and the server's time is too large",
      );
  }

  const split = (list: string) => (list === "" ? [] : list.split(";"));
  const expected = cosSignature(request, credentials.secretKey, {
    signTime,
    keyTime,
    headerList: split(fields.get("q-header-list") as string),
    paramList: split(fields.get("q-url-param-list") as string),
  });
  const given = Buffer.from(fields.get("q-signature") as string);
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new CosError(
      "SignatureDoesNotMatch",
      "the request signature we calculated does not match the signature you provided",
    );
  }

  if (credentials.sessionToken !== undefined) {
    const token =
      request.headers["x-cos-security-token"] ?? request.query.find(([n]) => n === "x-cos-security-token")?.[1];
    if (token !== credentials.sessionToken) {
      throw new CosError("InvalidAccessKeyId", "the session token does not match the temporary credentials");
    }
  }
  return credentials;
}
