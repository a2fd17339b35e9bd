import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { CosError } from "../cos/errors.ts";
import { checkReadable } from "../cos/restore.ts";
import type { ObjectStore } from "../cos/store.ts";
import { sendError } from "./respond.ts";

/** `Content-Disposition: attachment` for the key's last segment: an ASCII fallback and RFC 5987's UTF-8 name. */
export function attachment(key: string): string {
  const name =
    key
      .split("/")
      .filter((segment) => segment !== "")
      .pop() ?? "download";
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const utf8 = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}

/**
 * `GET /api/buckets/:bucket/content?key=K[&versionId=V][&download=1][&maxBytes=N]`: the object's bytes, with its
 * Content-Type. `download=1` makes it an attachment; `maxBytes` sends only the first N bytes (then
 * `X-Cosfn-Truncated: true`). Never run as a page of the console: `nosniff` and a sandboxing CSP always.
 */
export async function objectContent(
  method: string,
  res: ServerResponse,
  store: ObjectStore,
  bucket: string,
  query: URLSearchParams,
): Promise<void> {
  const key = query.get("key");
  if (key === null || key === "") {
    sendError(res, 400, "MissingKey", "the query parameter key (the object's key) is required");
    return;
  }
  const versionId = query.get("versionId") || undefined;
  const found = versionId ? store.version(bucket, key, versionId) : store.head(bucket, key);
  if (!found || found.deleteMarker) {
    if (versionId && !found)
      sendError(
        res,
        404,
        "NoSuchVersion",
        `bucket ${bucket} has no version ${versionId} of key ${JSON.stringify(key)}`,
      );
    else sendError(res, 404, "NoSuchKey", `bucket ${bucket} has no current version of key ${JSON.stringify(key)}`);
    return;
  }
  try {
    checkReadable(found);
  } catch (error) {
    if (!(error instanceof CosError)) throw error;
    sendError(res, 403, error.code, `key ${JSON.stringify(key)} of bucket ${bucket}: ${error.message}`);
    return;
  }
  const maxBytes = query.get("maxBytes");
  const limit = maxBytes !== null && /^\d+$/.test(maxBytes) ? Number(maxBytes) : undefined;
  const truncated = limit !== undefined && limit < found.size;
  const length = truncated ? limit : found.size;
  const headers: Record<string, string | number> = {
    "Content-Type": found.contentType || "application/octet-stream",
    "Content-Length": length,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox",
    "Cache-Control": "no-store",
  };
  if (truncated) headers["X-Cosfn-Truncated"] = "true";
  if (query.get("download") === "1") headers["Content-Disposition"] = attachment(key);
  if (method === "HEAD" || length === 0) {
    res.writeHead(200, headers);
    res.end();
    return;
  }
  const { stream } = store.read(bucket, key, { start: 0, end: length - 1 }, versionId);
  res.writeHead(200, headers);
  await pipeline(stream, res);
}
