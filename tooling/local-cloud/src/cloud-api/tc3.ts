import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CamNeed } from "../cam.ts";
import type { Credentials } from "../cos/signature.ts";
import { CloudApiError } from "./errors.ts";

/** The CAM need of a Cloud API call: `<service>:<Action>` on `*`. */
export function cloudApiNeed(service: string, action: string): CamNeed {
  return { action: `${service}:${action}`, resource: "*" };
}

/** The service a Cloud API request is for: its host (`cdn.tencentcloudapi.com`), else its credential scope. */
export function cloudApiService(req: IncomingMessage): string {
  const host = /^([a-z0-9]+)\.(?:[a-z0-9-]+\.)?tencentcloudapi\.com(?::\d+)?$/.exec(req.headers.host ?? "");
  if (host) return host[1] as string;
  return /\/([a-z0-9]+)\/tc3_request/.exec(header(req, "authorization") ?? "")?.[1] ?? "unknown";
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function send(res: ServerResponse, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": text.length });
  res.end(text);
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/**
 * Verifies a TC3-HMAC-SHA256 signature (Cloud API 3.0) and returns the service it was signed for. Errors use
 * the API's codes: AuthFailure.SignatureFailure, .SecretIdNotFound, .SignatureExpire, .TokenFailure.
 */
export function verifyTc3(
  req: IncomingMessage,
  body: Buffer,
  accepted: readonly Credentials[],
  nowMs = Date.now(),
): string {
  const authorization = header(req, "authorization") ?? "";
  const match =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match)
    throw new CloudApiError(
      "AuthFailure.SignatureFailure",
      "the Authorization header is not a TC3-HMAC-SHA256 signature",
    );
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const credentials = accepted.find((c) => c.secretId === secretId);
  if (!credentials) throw new CloudApiError("AuthFailure.SecretIdNotFound", "the SecretId is not found");
  const timestamp = Number(header(req, "x-tc-timestamp"));
  if (!Number.isFinite(timestamp) || Math.abs(nowMs / 1000 - timestamp) > 300) {
    throw new CloudApiError(
      "AuthFailure.SignatureExpire",
      "the signature has expired: X-TC-Timestamp is more than 5 minutes from the server's time",
    );
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) {
    throw new CloudApiError("AuthFailure.SignatureFailure", "the credential date does not match X-TC-Timestamp");
  }
  const url = req.url ?? "/";
  const queryAt = url.indexOf("?");
  const canonicalHeaders = signedHeaders
    .split(";")
    .map((name) => {
      const value = (header(req, name) ?? "").trim();
      return `${name}:${name === "host" ? value.replace(/:\d+$/, "").toLowerCase() : value.toLowerCase()}\n`;
    })
    .join("");
  const canonicalRequest = [
    req.method ?? "POST",
    queryAt < 0 ? url : url.slice(0, queryAt),
    queryAt < 0 ? "" : url.slice(queryAt + 1),
    canonicalHeaders,
    signedHeaders,
    sha256(body),
  ].join("\n");
  const stringToSign = [
    "TC3-HMAC-SHA256",
    String(timestamp),
    `${date}/${service}/tc3_request`,
    sha256(canonicalRequest),
  ].join("\n");
  const key = hmac(hmac(hmac(`TC3${credentials.secretKey}`, date), service), "tc3_request");
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign, "utf8").digest("hex"));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new CloudApiError("AuthFailure.SignatureFailure", "the request signature does not match");
  }
  if (credentials.sessionToken !== undefined && header(req, "x-tc-token") !== credentials.sessionToken) {
    throw new CloudApiError("AuthFailure.TokenFailure", "the X-TC-Token does not match the temporary credentials");
  }
  return service;
}
