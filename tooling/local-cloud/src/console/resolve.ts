import type { ServerResponse } from "node:http";
import type { ObjectStore } from "../cos/store.ts";
import { sendError, sendJson } from "./respond.ts";

/** A bucket's virtual-hosted COS host: `<bucket>.cos.<region>.myqcloud.com`, and the other `*.myqcloud.com` ones. */
const COS_HOST =
  /^([a-z0-9][a-z0-9-]*-\d+)\.(?:cos|cos-internal|cos-website)\.([a-z0-9-]+)\.(?:myqcloud\.com|tencentcos\.cn)$/;
/** The global acceleration endpoint names no region. */
const ACCELERATE = "accelerate";

const EXPECTED =
  "expected https://<bucket>.cos.<region>.myqcloud.com/<key>, cos://<bucket>/<key> or http://127.0.0.1:<cos port>/<bucket>/<key>";

/** Decodes a URL path's percent-escapes; the path as given when it has an invalid one. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Where a COS URL points: `{ bucket, key, region }` (region null when the URL does not say and the bucket is
 * unknown), or the reason it is not one. Paths are taken raw, not normalized: a key may hold `..` segments.
 */
export function parseCosUrl(
  url: string,
  cosEndpoint: { host: string; port: number },
): { bucket: string; key: string; region: string | null } | string {
  const cos = /^cos:\/\/([^/?#]+)(?:\/([^?#]*))?/i.exec(url);
  if (cos) return { bucket: (cos[1] as string).toLowerCase(), key: decodePath(cos[2] ?? ""), region: null };
  const web = /^(https?):\/\/([^/?#@]+)(\/[^?#]*)?/i.exec(url.trim());
  if (!web) return `${JSON.stringify(url)} is not a COS URL: ${EXPECTED}`;
  const host = (web[2] as string).toLowerCase();
  const path = web[3] ?? "/";
  const virtual = COS_HOST.exec(host);
  if (virtual) {
    const region = virtual[2] === ACCELERATE ? null : (virtual[2] as string);
    return { bucket: virtual[1] as string, key: decodePath(path.slice(1)), region };
  }
  const local = new Set([
    `127.0.0.1:${cosEndpoint.port}`,
    `localhost:${cosEndpoint.port}`,
    `${cosEndpoint.host}:${cosEndpoint.port}`,
  ]);
  if (local.has(host)) {
    const [, bucket = "", rest] = /^\/([^/]*)(?:\/(.*))?$/.exec(path) ?? [];
    if (bucket === "") return `${JSON.stringify(url)} names no bucket: ${EXPECTED}`;
    return { bucket: decodePath(bucket), key: decodePath(rest ?? ""), region: null };
  }
  return `${JSON.stringify(url)} is not on a COS host nor on the local cloud's COS endpoint: ${EXPECTED}`;
}

/** `GET /api/resolve?url=U`: the bucket, key and region a COS URL points at; 400 BadUrl, 404 NoSuchBucket. */
export function resolveUrl(
  res: ServerResponse,
  store: ObjectStore,
  query: URLSearchParams,
  cosEndpoint: { host: string; port: number },
): void {
  const url = query.get("url");
  if (url === null || url.trim() === "") {
    sendError(res, 400, "BadUrl", `the query parameter url is required: ${EXPECTED}`);
    return;
  }
  const target = parseCosUrl(url, cosEndpoint);
  if (typeof target === "string") {
    sendError(res, 400, "BadUrl", target);
    return;
  }
  const bucket = store.getBucket(target.bucket);
  if (!bucket) {
    sendError(res, 404, "NoSuchBucket", `the local cloud has no bucket ${target.bucket} (from ${url})`);
    return;
  }
  if (target.region !== null && target.region !== bucket.region) {
    const why = `bucket ${target.bucket} is in ${bucket.region}, not in ${target.region} as ${url} says`;
    sendError(res, 404, "NoSuchBucket", why);
    return;
  }
  sendJson(res, 200, { bucket: target.bucket, key: target.key, region: target.region ?? bucket.region });
}
