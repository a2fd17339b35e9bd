import type { IncomingMessage, ServerResponse } from "node:http";
import { sendError } from "./respond.ts";

/**
 * The console listens on 127.0.0.1, but a hostile page in the same browser can reach it: requests under `/api/`
 * must name the console itself as Host (not a rebound DNS name), and a mutating request (PUT, POST, DELETE) must
 * come from the console's own page (its `Origin`, or none: not a browser), and a POST with a body must be JSON
 * (which a cross-site form cannot send). Answers the refusal and returns false, else returns true.
 */
export function guardApi(req: IncomingMessage, res: ServerResponse, host: string, port: number): boolean {
  const allowed = new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);
  const given = (req.headers.host ?? "").toLowerCase();
  if (!allowed.has(given)) {
    sendError(
      res,
      403,
      "BadHost",
      `the console answers only for the hosts ${[...allowed].join(", ")}, not ${JSON.stringify(req.headers.host ?? "")}`,
    );
    return false;
  }
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") return true;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${given}`) {
    sendError(
      res,
      403,
      "CrossOrigin",
      `${method} ${req.url} is refused from the origin ${JSON.stringify(origin)}: only the console's own page (http://${given}) may change things`,
    );
    return false;
  }
  if (method === "POST" && hasBody(req) && !isJson(req.headers["content-type"])) {
    sendError(
      res,
      415,
      "UnsupportedMediaType",
      `POST ${req.url} takes a JSON body (Content-Type: application/json), not ${JSON.stringify(req.headers["content-type"] ?? "")}`,
    );
    return false;
  }
  return true;
}

function hasBody(req: IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

function isJson(type: string | undefined): boolean {
  return type !== undefined && /^application\/json\s*(;|$)/i.test(type);
}
