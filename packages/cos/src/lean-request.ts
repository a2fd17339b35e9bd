import { type CosErrorContext, CosRequestError, toCosRequestError } from "./errors.ts";
import { type Http1Answer, type Http1Options, Http1Pool, invalidHeader } from "./http1.ts";
import { type CosCredentials, localEndpoint } from "./sdk.ts";
import { CosSigner, objectPath } from "./signing.ts";

export interface LeanHttpOptions {
  credentials: CosCredentials;
  /** A local COS stand-in such as `http://127.0.0.1:19000`; unset, `https://<bucket>.cos.<region>.myqcloud.com`. */
  endpoint?: string | undefined;
  timeoutMs?: number | undefined;
  /** Connections kept per host: the requests a client has in flight at once. Default 32. */
  maxSockets?: number | undefined;
}

/** One PUT of the lean path (PUT Object, Upload Part). */
export interface LeanPut {
  bucket: string;
  region: string;
  key: string;
  query?: Record<string, string>;
  /**
   * Request headers, names in any case (a name given twice in different cases counts once, the later value).
   * Host, Content-Length, Authorization and the session token are the lean path's own: given here they are dropped.
   */
  headers: Record<string, string>;
  /** The body as the chunks that hold it, written one by one (never joined) with their total as Content-Length. */
  body?: readonly Uint8Array[];
  /** Destroys the request when aborted; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** What the request is, for errors: `put`, `upload part`... */
  operation: string;
  /** A 412 answer to a request pinned with If-Match becomes a CosObjectChangedError with this ETag. */
  ifMatch?: string | undefined;
}

/** Bytes of an error answer read for its XML (COS's are a few hundred). */
const MAX_ERROR_BODY = 64 * 1024;

function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (!match) return undefined;
  return (match[1] as string)
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/**
 * COS's answer to a failed request as a CosRequestError: the code, message and request id of its XML error body
 * (or, for a body without one, the `x-cos-error-code` header and the status), mapped by the same rules as the
 * SDK's failures.
 */
export function answerError(
  statusCode: number,
  headers: Record<string, string>,
  body: string,
  context: CosErrorContext,
  ifMatch?: string,
): CosRequestError {
  const code = xmlField(body, "Code");
  return toCosRequestError(
    {
      statusCode,
      headers,
      message: `HTTP ${statusCode}`,
      ...(code !== undefined && {
        error: { Code: code, Message: xmlField(body, "Message") ?? "", RequestId: xmlField(body, "RequestId") ?? "" },
      }),
      ...(headers["x-cos-request-id"] !== undefined && { RequestId: String(headers["x-cos-request-id"]) }),
    },
    context,
    ifMatch,
  );
}

/** Headers the lean path sets itself (or, like Transfer-Encoding and Connection, must not be told). */
const OWN_HEADERS = new Set([
  "host",
  "content-length",
  "authorization",
  "x-cos-security-token",
  "transfer-encoding",
  "connection",
]);

/**
 * A caller's headers as they may go out: its own ones dropped, and a name given twice in different cases once, with
 * the later value (as `node:http` did), so that no header is ever sent twice (two Content-Lengths would let the
 * caller say where the body ends).
 */
function ownHeaders(given: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = {};
  let named: Map<string, string> | undefined;
  for (const name in given) {
    const lower = name.toLowerCase();
    if (OWN_HEADERS.has(lower)) continue;
    named ??= new Map();
    const earlier = named.get(lower);
    if (earlier !== undefined) delete headers[earlier];
    named.set(lower, name);
    headers[name] = given[name] as string;
  }
  return headers;
}

/**
 * The lean path of @cosfn/cos: object requests signed here and sent over the client's own kept-alive HTTP/1.1
 * connections (`http1.ts`), bodies written as the chunks that hold them. Used for the hot requests (PUT Object,
 * Upload Part), where the SDK's per-request machinery, and then `node:http`'s, cost more than the transfer;
 * everything else stays on the SDK.
 */
export class LeanHttp {
  readonly #signer: CosSigner;
  readonly #sessionToken: string | undefined;
  /** The local stand-in's connections, or one pool per bucket host of production COS. */
  readonly #local: Http1Pool | undefined;
  readonly #pools = new Map<string, Http1Pool>();
  readonly #options: Http1Options;

  constructor(options: LeanHttpOptions) {
    this.#signer = new CosSigner(options.credentials);
    this.#sessionToken = options.credentials.sessionToken;
    this.#options = { timeoutMs: options.timeoutMs ?? 60_000, maxSockets: options.maxSockets ?? 32 };
    if (options.endpoint) {
      const { Protocol, Ip } = localEndpoint(options.endpoint);
      const url = new URL(`${Protocol}//${Ip}`);
      const secure = Protocol === "https:";
      this.#local = new Http1Pool(
        { host: url.hostname, port: Number(url.port || (secure ? 443 : 80)), secure },
        this.#options,
      );
    }
  }

  #poolFor(host: string): Http1Pool {
    if (this.#local) return this.#local;
    let pool = this.#pools.get(host);
    if (!pool) {
      pool = new Http1Pool({ host, port: 443, secure: true, servername: host }, this.#options);
      this.#pools.set(host, pool);
    }
    return pool;
  }

  /**
   * Sends a PUT and resolves with the headers of COS's answer once it is a 2xx; any other status rejects with the
   * CosRequestError COS's error body describes, and a network failure with the one its code maps to
   * (`ECONNRESET`: transient), a header HTTP cannot carry with `InvalidHeader` (permanent, nothing sent).
   */
  async put(input: LeanPut): Promise<Record<string, string>> {
    const context = { operation: input.operation, bucket: input.bucket, key: input.key };
    const host = `${input.bucket}.cos.${input.region}.myqcloud.com`;
    const body = input.body ?? [];
    let length = 0;
    for (const chunk of body) length += chunk.length;
    const headers = ownHeaders(input.headers);
    headers.Host = host;
    headers["Content-Length"] = String(length);
    const query = input.query ?? {};
    headers.Authorization = this.#signer.authorization({ method: "PUT", path: `/${input.key}`, query, headers });
    if (this.#sessionToken) headers["x-cos-security-token"] = this.#sessionToken;
    let head = `PUT ${objectPath(input.key)}`;
    if (input.query) head += `?${new URLSearchParams(query).toString()}`;
    head += " HTTP/1.1\r\n";
    for (const name in headers) {
      const value = headers[name] as string;
      const invalid = invalidHeader(name, value);
      if (invalid) throw new CosRequestError({ code: "InvalidHeader", message: invalid }, context);
      head += `${name}: ${value}\r\n`;
    }
    head += "\r\n";
    let answer: Http1Answer;
    try {
      answer = await this.#poolFor(host).send({ head, body, maxBody: MAX_ERROR_BODY, signal: input.signal });
    } catch (error) {
      if (input.signal?.aborted && error === input.signal.reason) throw error;
      throw toCosRequestError(error, context, input.ifMatch);
    }
    if (answer.status >= 200 && answer.status < 300) return answer.headers;
    throw answerError(answer.status, answer.headers, answer.body.toString("utf8"), context, input.ifMatch);
  }

  /** Closes the kept connections. */
  close(): void {
    this.#local?.close();
    for (const pool of this.#pools.values()) pool.close();
  }
}
