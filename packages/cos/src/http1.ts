import { connect as netConnect, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";

/**
 * A minimal HTTP/1.1 client for the lean path's requests: one exchange at a time per kept-alive connection, at
 * most `maxSockets` connections, the request head and body written together, the answer's head and body parsed
 * here (Content-Length, chunked, or up to the close). It replaces `node:http`'s agent, request and response
 * objects, whose per-request machinery was a quarter of the function's CPU per small entry.
 */

export interface Http1Target {
  host: string;
  port: number;
  secure: boolean;
  /** The TLS server name (SNI and certificate check) of a secure target. */
  servername?: string | undefined;
  /** Certificates trusted instead of the system's (a test's own authority). */
  ca?: string | Buffer | undefined;
}

export interface Http1Options {
  /** Connections kept at once: the exchanges in flight. Default 32. */
  maxSockets?: number | undefined;
  /** A connection silent this long while an exchange waits on it fails it with ETIMEDOUT. Default 60 s. */
  timeoutMs?: number | undefined;
  /**
   * An idle connection is not used again after this long, so that a request never goes out on a connection the
   * server is closing (servers close idle keep-alive connections after a few seconds: Node's after 5).
   * The server's `Keep-Alive: timeout=N` shortens it. Default 4 s.
   */
  idleMs?: number | undefined;
}

/** An answer read whole: the status, the headers (names lowercased; repeated ones joined with `, `), the body. */
export interface Http1Answer {
  status: number;
  headers: Record<string, string>;
  /** The body up to `maxBody` bytes (the rest is read and dropped). */
  body: Buffer;
}

/** One request: the head as written (request line, headers, blank line) and the body's chunks. */
export interface Http1Exchange {
  head: string;
  body: readonly Uint8Array[];
  /** Bytes of the answer's body kept (error answers are read for their XML). Default 64 KiB. */
  maxBody?: number;
  signal?: AbortSignal | undefined;
}

/** A network failure of an exchange, with the `code` the retry rules know (`ECONNRESET`, `ETIMEDOUT`...). */
export type Http1NetworkError = Error & { code: string };

function networkError(message: string, code: string, cause?: unknown): Http1NetworkError {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

/** Header names are tokens, values visible Latin-1 and tabs (RFC 9110), as `node:http` requires. */
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Why a header cannot be sent as it is, or undefined. */
export function invalidHeader(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `header name ${JSON.stringify(name)} is not an HTTP token`;
  if (INVALID_VALUE.test(value)) {
    return `header ${name} has a character HTTP cannot carry (a line break, a control character or one beyond Latin-1)`;
  }
  return undefined;
}

/** Bodies up to this size are copied behind the head and written as one buffer; larger ones are written as they are. */
const JOIN_BELOW = 64 * 1024;
/** An answer's head larger than this fails the exchange. */
const MAX_HEAD = 64 * 1024;

const CRLF2 = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

type Pending = {
  exchange: Http1Exchange;
  resolve: (answer: Http1Answer) => void;
  reject: (error: unknown) => void;
};

enum Reading {
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

/** One kept-alive connection and the exchange on it, if any. */
class Connection {
  readonly socket: Socket;
  /** The exchange in progress. */
  current: Pending | undefined;
  /** When the connection last became idle, and for how long the server keeps an idle one. */
  idleSince = 0;
  idleLimit: number;
  #state = Reading.Head;
  #held: Buffer | undefined;
  #status = 0;
  #headers: Record<string, string> = {};
  #body: Buffer[] = [];
  #bodyBytes = 0;
  #remaining = 0;
  #keepAlive = true;
  #sent = false;
  /** Set once the answer is complete, until the connection is kept or closed. */
  #answered: "keep" | "close" | undefined;
  /**
   * Where a small request is put together: written once per exchange, and reused only after the answer (an
   * exchange ends only once its write completed, or the connection is closed).
   */
  #scratch: Buffer | undefined;
  readonly #markSent = () => {
    this.#sent = true;
  };

  constructor(
    private readonly pool: Http1Pool,
    target: Http1Target,
    timeoutMs: number,
    idleMs: number,
  ) {
    this.idleLimit = idleMs;
    const socket: Socket = target.secure
      ? tlsConnect({
          host: target.host,
          port: target.port,
          servername: target.servername ?? target.host,
          ...(target.ca !== undefined && { ca: target.ca }),
          ...(pool.tlsSession && { session: pool.tlsSession }),
        })
      : netConnect({ host: target.host, port: target.port });
    if (target.secure) (socket as TLSSocket).on("session", (session: Buffer) => pool.keepSession(session));
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs);
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("timeout", () => {
      if (this.current) this.#fail(networkError(`no answer in ${timeoutMs} ms`, "ETIMEDOUT"));
      else this.#close();
    });
    socket.on("error", (error) => this.#fail(error));
    socket.on("end", () => this.#onEnd());
    socket.on("close", () => {
      this.#fail(networkError("socket hang up: the connection closed before the answer", "ECONNRESET"));
      pool.forget(this);
    });
    this.socket = socket;
  }

  /** Sends an exchange on this (idle) connection. */
  start(pending: Pending): void {
    this.current = pending;
    this.socket.ref();
    this.#state = Reading.Head;
    this.#sent = false;
    this.#body = [];
    this.#bodyBytes = 0;
    const { exchange } = pending;
    const { head, body } = exchange;
    let length = 0;
    for (const chunk of body) length += chunk.length;
    if (length <= JOIN_BELOW) {
      // The head and a small body in one buffer of the connection's own, reused: one write, one system call.
      const headLength = Buffer.byteLength(head, "latin1");
      const needed = headLength + length;
      if (!this.#scratch || this.#scratch.length < needed)
        this.#scratch = Buffer.allocUnsafeSlow(Math.max(needed, 48 * 1024));
      const joined = this.#scratch;
      joined.write(head, 0, "latin1");
      let at = headLength;
      for (const chunk of body) {
        joined.set(chunk, at);
        at += chunk.length;
      }
      this.socket.write(joined.subarray(0, needed), this.#markSent);
      return;
    }
    // Written without waiting for drain: the chunks are the caller's, held until the answer anyway.
    this.socket.cork();
    this.socket.write(head, "latin1");
    for (let i = 0; i < body.length; i++) {
      this.socket.write(body[i] as Uint8Array, i === body.length - 1 ? this.#markSent : undefined);
    }
    this.socket.uncork();
  }

  #onData(chunk: Buffer): void {
    if (!this.current) {
      // Nothing asked: a server that talks out of turn cannot be trusted with the next request.
      this.#close();
      return;
    }
    let data = this.#held ? Buffer.concat([this.#held, chunk]) : chunk;
    this.#held = undefined;
    while (this.#answered === undefined && this.current && data.length > 0) {
      const used = this.#consume(data);
      if (used < 0) {
        if (data.length > MAX_HEAD) this.#fail(networkError("the answer's head is too large", "EPROTO"));
        else this.#held = data;
        return;
      }
      data = data.subarray(used);
    }
    if (this.#answered !== undefined) this.#afterAnswer(data.length > 0);
  }

  /**
   * The answer is settled: keep the connection for the next exchange, or close it when the server said so, when
   * the request's body was not all sent (COS refusing early), or when bytes followed the answer unasked.
   */
  #afterAnswer(extraBytes: boolean): void {
    const reusable = this.#answered === "keep" && this.#sent && !extraBytes;
    this.#answered = undefined;
    this.#state = Reading.Head;
    if (reusable) this.pool.release(this);
    else this.#close();
  }

  /** Consumes what it can of `data`: the bytes used, or -1 when more are needed before anything can be used. */
  #consume(data: Buffer): number {
    switch (this.#state) {
      case Reading.Head: {
        const end = data.indexOf(CRLF2);
        if (end < 0) return -1;
        this.#readHead(data.toString("latin1", 0, end));
        return end + 4;
      }
      case Reading.Length: {
        const take = Math.min(this.#remaining, data.length);
        this.#keep(data.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.#finish();
        return take;
      }
      case Reading.UntilClose:
        this.#keep(data);
        return data.length;
      case Reading.ChunkSize: {
        const end = data.indexOf(CRLF);
        if (end < 0) return data.length > 1024 ? this.#protocol("a chunk size line is too long") : -1;
        const size = Number.parseInt(data.toString("latin1", 0, end).split(";")[0] as string, 16);
        if (!Number.isSafeInteger(size) || size < 0) return this.#protocol("a chunk size is not a number");
        this.#remaining = size;
        this.#state = size === 0 ? Reading.Trailers : Reading.ChunkData;
        return end + 2;
      }
      case Reading.ChunkData: {
        const take = Math.min(this.#remaining, data.length);
        this.#keep(data.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = Reading.ChunkEnd;
        return take;
      }
      case Reading.ChunkEnd: {
        if (data.length < 2) return -1;
        if (data[0] !== 13 || data[1] !== 10) return this.#protocol("a chunk does not end with CRLF");
        this.#state = Reading.ChunkSize;
        return 2;
      }
      case Reading.Trailers: {
        const end = data.indexOf(CRLF);
        if (end < 0) return -1;
        // Trailer lines are read and dropped; the empty line ends the answer.
        if (end === 0) this.#finish();
        return end + 2;
      }
    }
  }

  #protocol(message: string): number {
    this.#fail(networkError(`malformed answer: ${message}`, "EPROTO"));
    return 0;
  }

  #keep(bytes: Buffer): void {
    const room = (this.current?.exchange.maxBody ?? 64 * 1024) - this.#bodyBytes;
    if (room <= 0 || bytes.length === 0) return;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    this.#body.push(kept);
    this.#bodyBytes += kept.length;
  }

  #readHead(text: string): void {
    const lines = text.split("\r\n");
    const statusLine = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] as string);
    if (!statusLine) {
      this.#protocol("no HTTP/1.x status line");
      return;
    }
    const status = Number(statusLine[2]);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      const had = headers[name];
      headers[name] = had === undefined ? value : `${had}, ${value}`;
    }
    if (status >= 100 && status < 200) return; // 100 Continue and the like: the real answer follows.
    this.#status = status;
    this.#headers = headers;
    const connection = headers.connection?.toLowerCase();
    this.#keepAlive = statusLine[1] === "1" ? connection !== "close" : connection === "keep-alive";
    const keepAliveTimeout = /timeout=(\d+)/.exec(headers["keep-alive"] ?? "");
    if (keepAliveTimeout) this.idleLimit = Math.min(this.idleLimit, Number(keepAliveTimeout[1]) * 1000 - 1000);
    if (status === 204 || status === 304) {
      this.#finish();
    } else if (headers["transfer-encoding"]?.toLowerCase().includes("chunked")) {
      this.#state = Reading.ChunkSize;
    } else if (headers["content-length"] !== undefined) {
      const length = Number(headers["content-length"]);
      if (!Number.isSafeInteger(length) || length < 0) {
        this.#protocol(`Content-Length ${headers["content-length"]}`);
        return;
      }
      this.#remaining = length;
      this.#state = Reading.Length;
      if (length === 0) this.#finish();
    } else {
      this.#keepAlive = false;
      this.#state = Reading.UntilClose;
    }
  }

  #onEnd(): void {
    if (this.current && this.#state === Reading.UntilClose) this.#finish();
    this.#answered = undefined;
    this.#close();
  }

  /** The answer is complete: settle it (what becomes of the connection is `#afterAnswer`'s). */
  #finish(): void {
    this.#answered = this.#keepAlive ? "keep" : "close";
    this.#settle(undefined, {
      status: this.#status,
      headers: this.#headers,
      body: this.#body.length === 1 ? (this.#body[0] as Buffer) : Buffer.concat(this.#body),
    });
  }

  #settle(error: unknown, answer: Http1Answer | undefined): void {
    const pending = this.current;
    if (!pending) return;
    this.current = undefined;
    if (answer) pending.resolve(answer);
    else pending.reject(error);
  }

  /** The exchange's signal aborted: it rejects with the reason, and the connection, mid-exchange, is closed. */
  abort(reason: unknown): void {
    this.#settle(reason, undefined);
    this.#close();
  }

  #fail(error: unknown): void {
    this.#settle(error, undefined);
    this.#close();
  }

  #close(): void {
    this.pool.forget(this);
    this.socket.destroy();
  }
}

/** The connections to one target: an exchange takes the most recently idle one, or a new one, or waits its turn. */
export class Http1Pool {
  readonly #target: Http1Target;
  readonly #maxSockets: number;
  readonly #timeoutMs: number;
  readonly #idleMs: number;
  readonly #all = new Set<Connection>();
  readonly #idle: Connection[] = [];
  readonly #waiting: Pending[] = [];
  readonly #watched = new WeakSet<AbortSignal>();
  #closed = false;
  /** The last TLS session, offered again by new connections (abbreviated handshakes). */
  tlsSession: Buffer | undefined;

  constructor(target: Http1Target, options: Http1Options = {}) {
    this.#target = target;
    this.#maxSockets = Math.max(1, options.maxSockets ?? 32);
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#idleMs = options.idleMs ?? 4000;
  }

  /** Sends the exchange and resolves with the whole answer; rejects with a network error (`code` set) or the signal's reason. */
  send(exchange: Http1Exchange): Promise<Http1Answer> {
    return new Promise<Http1Answer>((resolve, reject) => {
      if (this.#closed) {
        reject(networkError("the client is closed", "ERR_CLIENT_CLOSED"));
        return;
      }
      if (exchange.signal?.aborted) {
        reject(exchange.signal.reason);
        return;
      }
      const pending: Pending = { exchange, resolve, reject };
      if (exchange.signal) this.#watch(exchange.signal);
      const connection = this.#take();
      if (connection) connection.start(pending);
      else this.#waiting.push(pending);
    });
  }

  /**
   * Listens to a signal once, whatever the number of its exchanges (an invocation's signal goes with each of
   * its requests: a listener added and removed per request cost more than the rest of the exchange's setup).
   */
  #watch(signal: AbortSignal): void {
    if (this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener("abort", () => this.#aborted(signal), { once: true });
  }

  /** Rejects the signal's waiting exchanges and aborts those in flight. */
  #aborted(signal: AbortSignal): void {
    for (let i = this.#waiting.length - 1; i >= 0; i--) {
      const pending = this.#waiting[i] as Pending;
      if (pending.exchange.signal !== signal) continue;
      this.#waiting.splice(i, 1);
      pending.reject(signal.reason);
    }
    for (const connection of [...this.#all]) {
      if (connection.current?.exchange.signal === signal) connection.abort(signal.reason);
    }
  }

  /** An idle connection still fresh enough, or a new one if there is room. */
  #take(): Connection | undefined {
    const now = performance.now();
    for (;;) {
      const idle = this.#idle.pop();
      if (!idle) break;
      if (now - idle.idleSince < idle.idleLimit) return idle;
      this.#all.delete(idle);
      idle.socket.destroy();
    }
    if (this.#all.size >= this.#maxSockets) return undefined;
    const connection = new Connection(this, this.#target, this.#timeoutMs, this.#idleMs);
    this.#all.add(connection);
    return connection;
  }

  /** @internal A connection finished its exchange: the next waiting one goes out on it, or it waits idle. */
  release(connection: Connection): void {
    const next = this.#waiting.shift();
    if (next) {
      connection.start(next);
      return;
    }
    connection.idleSince = performance.now();
    // An idle connection does not keep the process alive (as node:http's agent does with its free sockets).
    connection.socket.unref();
    this.#idle.push(connection);
  }

  /** @internal A connection is closing: it is never used again; a waiting exchange gets a new one. */
  forget(connection: Connection): void {
    if (!this.#all.delete(connection)) return;
    const at = this.#idle.indexOf(connection);
    if (at >= 0) this.#idle.splice(at, 1);
    const next = this.#waiting.length > 0 && !this.#closed ? this.#take() : undefined;
    if (next) next.start(this.#waiting.shift() as Pending);
  }

  /** @internal */
  keepSession(session: Buffer): void {
    this.tlsSession = session;
  }

  /** Closes every connection; exchanges in flight fail with ECONNRESET, waiting ones with ERR_CLIENT_CLOSED. */
  close(): void {
    this.#closed = true;
    for (const pending of this.#waiting.splice(0)) {
      pending.reject(networkError("the client is closed", "ERR_CLIENT_CLOSED"));
    }
    for (const connection of [...this.#all]) connection.socket.destroy();
  }
}
