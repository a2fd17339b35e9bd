import { type Credentials, camSafeUrlEncode, cosSignature, type SignedRequest } from "./signature.ts";

/**
 * The `Authorization` value of a q-sign signature (doc 436/7778) for a request, the side `verifyCosSignature`
 * checks: every header in `request.headers` and every query parameter is signed; valid from now for
 * `expiresSeconds`. The local cloud signs with it the requests it makes to its own COS endpoint (the console's
 * uploads and deletes); with a session token, the request must also send it as `x-cos-security-token`.
 */
export function signCosRequest(
  request: SignedRequest,
  credentials: Credentials,
  nowMs = Date.now(),
  expiresSeconds = 900,
): string {
  const now = Math.floor(nowMs / 1000);
  const window = `${now};${now + expiresSeconds}`;
  const names = (list: Iterable<string>) =>
    [...new Set([...list].map((n) => camSafeUrlEncode(n).toLowerCase()))].sort();
  const headerList = names(Object.keys(request.headers));
  const paramList = names(request.query.map(([name]) => name));
  const signature = cosSignature(request, credentials.secretKey, {
    signTime: window,
    keyTime: window,
    headerList,
    paramList,
  });
  return [
    "q-sign-algorithm=sha1",
    `q-ak=${credentials.secretId}`,
    `q-sign-time=${window}`,
    `q-key-time=${window}`,
    `q-header-list=${headerList.join(";")}`,
    `q-url-param-list=${paramList.join(";")}`,
    `q-signature=${signature}`,
  ].join("&");
}
