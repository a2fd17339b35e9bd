import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { type CosErrorContext, type CosRequestError, toCosRequestError } from "./errors.ts";
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

/** One object request of the lean path. */
export interface LeanRequest {
  method: "PUT" | "GET";
  bucket: string;
  region: string;
  key: string;
  query?: Record<string, string>;
  /** Request headers; Host, Authorization, Content-Length and the session token are added. */
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
  headers: IncomingHttpHeaders,
  body: string,
  context: CosErrorContext,
  ifMatch?: string,
): CosRequestError {
  const code = xmlField(body, "Code");
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (typeof value === "string") flat[name] = value;
  return toCosRequestError(
    {
      statusCode,
      headers: flat,
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

/**
 * The lean path of @cosfn/cos: object requests signed here and sent with `node:http`/`node:https` over one
 * keep-alive agent per client, bodies written chunk by chunk. Used for the hot requests (PUT Object, Upload
 * Part), where the SDK's per-request machinery cost more than the transfer; everything else stays on the SDK.
 */
export class LeanHttp {
  readonly #signer: CosSigner;
  readonly #sessionToken: string | undefined;
  readonly #timeoutMs: number;
  readonly #local: { host: string; port: number } | undefined;
  readonly #agent: HttpAgent;
  readonly #send: typeof httpRequest;

  constructor(options: LeanHttpOptions) {
    this.#signer = new CosSigner(options.credentials);
    this.#sessionToken = options.credentials.sessionToken;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 32, scheduling: "lifo" as const };
    if (options.endpoint) {
      const { Protocol, Ip } = localEndpoint(options.endpoint);
      const url = new URL(`${Protocol}//${Ip}`);
      const secure = Protocol === "https:";
      this.#local = { host: url.hostname, port: Number(url.port || (secure ? 443 : 80)) };
      this.#agent = secure ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
      this.#send = secure ? httpsRequest : httpRequest;
    } else {
      this.#agent = new HttpsAgent(agentOptions);
      this.#send = httpsRequest;
    }
  }

  /**
   * Sends a request and resolves with the answer once it is a 2xx, its body unread (a PUT's is empty: call
   * `resume()` or read it); any other status rejects with the CosRequestError COS's error body describes, and
   * a network failure with the one its code maps to (`ECONNRESET`: transient).
   */
  request(input: LeanRequest): Promise<IncomingMessage> {
    const context = { operation: input.operation, bucket: input.bucket, key: input.key };
    const host = `${input.bucket}.cos.${input.region}.myqcloud.com`;
    const body = input.body ?? [];
    let length = 0;
    for (const chunk of body) length += chunk.length;
    const headers: Record<string, string> = { ...input.headers, Host: host };
    if (input.method === "PUT") headers["Content-Length"] = String(length);
    const query = input.query ?? {};
    headers.Authorization = this.#signer.authorization({
      method: input.method,
      path: `/${input.key}`,
      query,
      headers,
    });
    if (this.#sessionToken) headers["x-cos-security-token"] = this.#sessionToken;
    let path = objectPath(input.key);
    if (input.query) path += `?${new URLSearchParams(query).toString()}`;
    const { signal } = input;

    return new Promise<IncomingMessage>((resolve, reject) => {
      signal?.throwIfAborted();
      let settled = false;
      let sent = false;
      const settle = (error: unknown, answer?: IncomingMessage) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener("abort", onAbort);
        if (error === undefined) resolve(answer as IncomingMessage);
        else reject(error);
      };
      const req = this.#send({
        agent: this.#agent,
        method: input.method,
        path,
        headers,
        // servername given, so that the agent does not work it out from the Host header on every request.
        ...(this.#local ? { ...this.#local, servername: host } : { host, port: 443, servername: host }),
      });
      const onAbort = () => {
        settle(signal?.reason);
        req.destroy(signal?.reason as Error);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      req.setTimeout(this.#timeoutMs, () => {
        const error = Object.assign(new Error(`no answer in ${this.#timeoutMs} ms`), { code: "ETIMEDOUT" });
        req.destroy(error);
      });
      req.on("error", (error) => settle(toCosRequestError(error, context, input.ifMatch)));
      req.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          settle(undefined, res);
          return;
        }
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < MAX_ERROR_BODY) text += chunk;
        });
        res.on("error", () => settle(answerError(status, res.headers, text, context, input.ifMatch)));
        res.on("end", () => {
          // COS answered before the body was all sent: the connection cannot be reused.
          if (!sent) req.destroy();
          settle(answerError(status, res.headers, text, context, input.ifMatch));
        });
      });

      let next = 0;
      const pump = (): void => {
        while (next < body.length) {
          if (!req.write(body[next++] as Uint8Array)) {
            req.once("drain", pump);
            return;
          }
        }
        sent = true;
        req.end();
      };
      pump();
    });
  }

  /** A PUT whose answer has no body (PUT Object, Upload Part): resolves with the answer's headers once it ended. */
  async put(input: Omit<LeanRequest, "method">): Promise<IncomingHttpHeaders> {
    const res = await this.request({ ...input, method: "PUT" });
    await new Promise<void>((resolve, reject) => {
      res.on("error", (error) =>
        reject(toCosRequestError(error, { operation: input.operation, bucket: input.bucket, key: input.key })),
      );
      res.on("end", resolve);
      res.resume();
    });
    return res.headers;
  }

  /** Closes the kept connections. */
  close(): void {
    this.#agent.destroy();
  }
}
