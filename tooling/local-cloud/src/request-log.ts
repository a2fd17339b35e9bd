import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CamNeed } from "./cam.ts";

/** The service a request was for. */
export type LoggedService = "cos" | "ci" | "cdn" | "teo" | (string & {});

/** One request the local cloud served: appended as it arrives, complete once its response ended. */
export interface RequestLogEntry {
  /** When the request arrived, ISO 8601. */
  time: string;
  /** `x-cos-request-id` for COS and CI, the Cloud API's `RequestId`. */
  requestId: string;
  service: LoggedService;
  method: string;
  bucket: string | null;
  key: string | null;
  /** The decoded query pairs (sub-resources and parameters), without a pre-signed URL's signature fields. */
  query: Record<string, string>;
  /** The HTTP status; 0 until the response's head is sent, and for good when the connection was closed first. */
  status: number;
  /** Body bytes received and sent. */
  bytesIn: number;
  bytesOut: number;
  /** The SecretId the request was signed with (as claimed, even when the signature failed); never a key or signature. */
  secretId: string | null;
  /** From arrival to the response's end; 0 while it is being served. */
  durationMs: number;
  /** The CAM action and resource of the first need, e.g. `name/cos:GetObject` and `qcs::cos:...`. */
  action: string | null;
  resource: string | null;
  /** Every (action, resource) the request needs: a copy also reads its source, a multi-delete deletes each key. */
  needs: CamNeed[];
  /** The error code answered, if any (`NoSuchKey`, `SignatureDoesNotMatch`, `AccessDenied`...). */
  errorCode?: string;
  /** Set when the signer's CAM policy refused some need. */
  denied?: boolean;
  /** Cloud Infinite only, with a console: the first 4 KiB of the answer's body, as UTF-8 text. */
  answer?: string;
}

/** What the server and the handlers learn about a request while serving it. */
export interface RequestDraft {
  requestId?: string;
  service: LoggedService;
  bucket: string | null;
  key: string | null;
  query: Record<string, string>;
  secretId: string | null;
  /** The route's action, for a request whose needs are known only later (POST Object). */
  action: string | null;
  needs: CamNeed[];
  errorCode?: string;
  denied?: boolean;
}

/** The query fields that carry a pre-signed URL's signature or token: never logged. */
const SECRET_QUERY =
  /^(q-sign-algorithm|q-ak|q-sign-time|q-key-time|q-header-list|q-url-param-list|q-signature|x-cos-security-token)$/;

/** Query pairs as a record, without signature fields. */
export function loggedQuery(pairs: Iterable<[string, string]>): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of pairs) if (!SECRET_QUERY.test(name)) record[name] = value;
  return record;
}

/** Whether a query parameter is part of a pre-signed URL's signature rather than of the request. */
export function isSignatureParameter(name: string): boolean {
  return SECRET_QUERY.test(name);
}

/**
 * Every request the local cloud served (COS, Cloud Infinite, Cloud API), oldest first, at most `limit` of them
 * (the oldest are dropped).
 */
export class RequestLog {
  readonly limit: number;
  readonly #entries: RequestLogEntry[] = [];

  constructor(limit = 10_000) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`requestLogLimit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** The entries, oldest first. */
  get entries(): readonly RequestLogEntry[] {
    return this.#entries;
  }

  append(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.limit) this.#entries.splice(0, this.#entries.length - this.limit);
  }

  clear(): void {
    this.#entries.length = 0;
  }

  filter(predicate: (entry: RequestLogEntry) => boolean): RequestLogEntry[] {
    return this.#entries.filter(predicate);
  }

  /** Every need of the logged requests, in order: what a function used, for checking its CAM policy. */
  needs(predicate: (entry: RequestLogEntry) => boolean = () => true): CamNeed[] {
    return this.#entries.filter(predicate).flatMap((entry) => entry.needs);
  }

  /**
   * Starts the entry of a request and appends it at once, so that entries stand in the order requests arrived.
   * The entry is kept up to date while the request is served: what the handlers learn (the returned draft) once
   * the response's head is written, the body bytes both ways as they pass, the status, and at the end (the
   * response finished or its connection closed) the duration. A test that has the whole answer sees the whole
   * entry, whatever the order in which the server's events fire.
   */
  track(req: IncomingMessage, res: ServerResponse, service: LoggedService): RequestDraft {
    const started = Date.now();
    const draft: RequestDraft = {
      service,
      bucket: null,
      key: null,
      query: {},
      secretId: null,
      action: null,
      needs: [],
    };
    const entry: RequestLogEntry = {
      time: new Date(started).toISOString(),
      requestId: "",
      service,
      method: req.method ?? "GET",
      bucket: null,
      key: null,
      query: {},
      status: 0,
      bytesIn: 0,
      bytesOut: 0,
      secretId: null,
      durationMs: 0,
      action: null,
      resource: null,
      needs: [],
    };
    const sync = () => {
      const [first] = draft.needs;
      const header = res.getHeader("x-cos-request-id");
      entry.requestId = draft.requestId ?? (typeof header === "string" ? header : entry.requestId || randomUUID());
      entry.service = draft.service;
      entry.bucket = draft.bucket;
      entry.key = draft.key;
      entry.query = draft.query;
      entry.secretId = draft.secretId;
      entry.action = first?.action ?? draft.action;
      entry.resource = first?.resource ?? null;
      entry.needs = draft.needs;
      if (draft.errorCode !== undefined) entry.errorCode = draft.errorCode;
      if (draft.denied) entry.denied = true;
      entry.status = res.headersSent ? res.statusCode : 0;
    };
    this.append(entry);

    const push = req.push.bind(req);
    req.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk !== null && chunk !== undefined) entry.bytesIn += (chunk as Buffer | string).length;
      return push(chunk, encoding);
    };
    const count = (chunk: unknown, encoding?: unknown) => {
      if (typeof chunk === "string")
        entry.bytesOut += Buffer.byteLength(
          chunk,
          typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8",
        );
      else if (chunk instanceof Uint8Array) entry.bytesOut += chunk.length;
    };
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      const result = writeHead(...args);
      sync();
      return result;
    }) as ServerResponse["writeHead"];
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      count(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as ServerResponse["write"];
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== "function") count(chunk, rest[0]);
      const ended = end(chunk, ...rest);
      sync();
      return ended;
    }) as ServerResponse["end"];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      sync();
      entry.durationMs = Date.now() - started;
    };
    res.once("finish", finish);
    res.once("close", finish);
    return draft;
  }
}
