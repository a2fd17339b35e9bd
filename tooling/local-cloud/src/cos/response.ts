import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CosError } from "./errors.ts";
import { type XmlNode, xmlDocument } from "./xml.ts";

export function sendXml(
  res: ServerResponse,
  status: number,
  root: XmlNode,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(xmlDocument(root));
  res.writeHead(status, { ...headers, "Content-Type": "application/xml", "Content-Length": body.length });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Length": headers["Content-Length"] ?? "0", ...headers });
  res.end();
}

/** A new `x-cos-request-id`. */
export function newRequestId(): string {
  // Random bytes drawn 512 ids at a time: a call to the system's generator per request cost a few per cent of a
  // small put.
  if (requestIdAt + REQUEST_ID_BYTES > requestIdBytes.length) {
    requestIdBytes = randomBytes(REQUEST_ID_BYTES * 512);
    requestIdAt = 0;
  }
  requestIdAt += REQUEST_ID_BYTES;
  return requestIdBytes.toString("base64", requestIdAt - REQUEST_ID_BYTES, requestIdAt);
}

const REQUEST_ID_BYTES = 18;
let requestIdBytes = Buffer.alloc(0);
let requestIdAt = 0;

/** Answers a request with COS's error XML (or, for HEAD, the status and `x-cos-error-code`). */
export function answerCosError(req: IncomingMessage, res: ServerResponse, error: CosError): void {
  const requestId = newRequestId();
  res.setHeader("x-cos-request-id", requestId);
  sendError(req, res, error, requestId, `${req.headers.host ?? ""}${(req.url ?? "/").split("?")[0]}`);
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: CosError,
  requestId: string,
  resource: string,
): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  // A request whose body was not read (a refused upload) is answered, then the connection is closed.
  const hasBody = Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined;
  if (hasBody && !req.readableEnded) res.setHeader("Connection", "close");
  if (req.method === "HEAD") {
    sendEmpty(res, error.status, { ...error.headers, "x-cos-error-code": error.code });
    return;
  }
  sendXml(
    res,
    error.status,
    [
      "Error",
      [
        ["Code", error.code],
        ["Message", error.message],
        ["Resource", resource],
        ["RequestId", requestId],
        ["TraceId", randomBytes(24).toString("base64")],
      ],
    ],
    error.headers,
  );
}
