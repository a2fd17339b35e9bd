import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { sendError } from "./respond.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
};

/**
 * Serves a file of the built front end from `root`; a path that names no file (a page of the app) gets
 * `index.html`. Paths that leave `root` are refused.
 */
export async function serveAsset(res: ServerResponse, root: string, pathname: string): Promise<void> {
  const relative = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, "");
  const file = join(root, relative);
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
    sendError(res, 403, "Forbidden", `the path ${JSON.stringify(pathname)} leaves the console's assets`);
    return;
  }
  let target = file;
  const found = await stat(file).catch(() => undefined);
  if (!found?.isFile()) target = join(root, "index.html");
  const index = await stat(target).catch(() => undefined);
  if (!index?.isFile()) {
    sendError(res, 404, "NoAssets", `the console's front end is not built: no ${target}`);
    return;
  }
  res.writeHead(200, {
    "Content-Type": TYPES[extname(target)] ?? "application/octet-stream",
    "Content-Length": index.size,
    "Cache-Control": target.includes(`${sep}assets${sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
  });
  createReadStream(target).pipe(res);
}
