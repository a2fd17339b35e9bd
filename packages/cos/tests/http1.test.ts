// The lean path's HTTP/1.1 client against scripted servers (node:net and node:tls), which answer byte for byte
// what each test needs: split heads, chunked bodies, early answers, closed and silent connections, lies.
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { type Http1Exchange, Http1Pool, type Http1Target } from "../src/http1.ts";

interface Scripted {
  target: Http1Target;
  /** Connections accepted so far. */
  connections: number;
  /** Each request's bytes as received, head and body. */
  requests: Buffer[];
  close(): Promise<void>;
}

/**
 * A server that, for each request it has read whole (head, and the body its Content-Length announces), calls
 * `answer` with the connection and the request's number. `answerEarly` answers once the head is read.
 */
async function scripted(
  answer: (socket: Socket, request: number, bytes: Buffer) => void,
  options: { answerEarly?: boolean; tls?: boolean } = {},
): Promise<Scripted> {
  const state = { connections: 0, requests: [] as Buffer[] };
  const onConnection = (socket: Socket) => {
    state.connections++;
    let held = Buffer.alloc(0);
    let answeredEarly = false;
    socket.on("error", () => {});
    socket.on("data", (chunk: Buffer) => {
      held = Buffer.concat([held, chunk]);
      for (;;) {
        const headEnd = held.indexOf("\r\n\r\n");
        if (headEnd < 0) return;
        const length = Number(/content-length: (\d+)/i.exec(held.subarray(0, headEnd).toString("latin1"))?.[1] ?? 0);
        if (options.answerEarly && !answeredEarly) {
          answeredEarly = true;
          answer(socket, state.requests.length, held.subarray(0, headEnd + 4));
        }
        if (held.length < headEnd + 4 + length) return;
        const request = held.subarray(0, headEnd + 4 + length);
        held = held.subarray(request.length);
        state.requests.push(request);
        if (!options.answerEarly) answer(socket, state.requests.length - 1, request);
      }
    });
  };
  const server: Server = options.tls
    ? createTlsServer(
        {
          key: readFileSync(new URL("./fixtures/tls-test.key", import.meta.url)),
          cert: readFileSync(new URL("./fixtures/tls-test.crt", import.meta.url)),
        },
        onConnection,
      )
    : createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const target: Http1Target = options.tls
    ? {
        host: "127.0.0.1",
        port,
        secure: true,
        servername: "localhost",
        ca: readFileSync(new URL("./fixtures/tls-test.crt", import.meta.url)),
      }
    : { host: "127.0.0.1", port, secure: false };
  return Object.assign(state, {
    target,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Kept-alive connections would hold close() open.
        (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  }) as Scripted;
}

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function serve(...args: Parameters<typeof scripted>): Promise<Scripted> {
  const server = await scripted(...args);
  opened.push(server);
  return server;
}

function pool(server: Scripted, options: ConstructorParameters<typeof Http1Pool>[1] = {}): Http1Pool {
  const made = new Http1Pool(server.target, options);
  opened.push(made);
  return made;
}

function put(key: string, body: Buffer | string = "", more: Partial<Http1Exchange> = {}): Http1Exchange {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return {
    head: `PUT /${key} HTTP/1.1\r\nHost: example\r\nContent-Length: ${bytes.length}\r\n\r\n`,
    body: bytes.length > 0 ? [bytes] : [],
    ...more,
  };
}

const OK = 'HTTP/1.1 200 OK\r\nETag: "abc"\r\nContent-Length: 0\r\n\r\n';

describe("exchanges", () => {
  it("sends head and body as given and keeps one connection for exchanges one after another", async () => {
    const server = await serve((socket) => socket.write(OK));
    const client = pool(server);
    const bodies = [Buffer.from("first"), Buffer.alloc(200_000, 7), Buffer.from("third")];
    for (const [i, body] of bodies.entries()) {
      const answer = await client.send(put(`k${i}`, body));
      expect(answer).toMatchObject({ status: 200, headers: { etag: '"abc"', "content-length": "0" } });
      expect(answer.body.length).toBe(0);
    }
    expect(server.connections).toBe(1);
    expect(server.requests.map((r) => r.subarray(r.indexOf("\r\n\r\n") + 4))).toEqual(bodies);
    const second = server.requests[1] as Buffer;
    expect(second.toString("latin1", 0, second.indexOf("\r\n\r\n") + 4)).toBe(
      "PUT /k1 HTTP/1.1\r\nHost: example\r\nContent-Length: 200000\r\n\r\n",
    );
  });

  it("sends a large body given as many chunks in order", async () => {
    const server = await serve((socket) => socket.write(OK));
    const client = pool(server);
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(50_000 + i, i));
    await client.send({ head: put("big", Buffer.concat(chunks)).head, body: chunks });
    const request = server.requests[0] as Buffer;
    expect(request.subarray(request.indexOf("\r\n\r\n") + 4).equals(Buffer.concat(chunks))).toBe(true);
  });

  it("reads heads and bodies split anywhere, repeated headers joined, names lowercased", async () => {
    const answer =
      "HTTP/1.1 403 Forbidden\r\nX-Cos-Request-Id: r1\r\nSet-Thing: a\r\nset-thing: b\r\nContent-Length: 11\r\n\r\n<Error/>123";
    const server = await serve((socket) => {
      // One byte per write, each flushed on its own.
      let at = 0;
      const next = () => {
        if (at < answer.length) socket.write(answer[at++] as string, () => setImmediate(next));
      };
      next();
    });
    const got = await pool(server).send(put("split"));
    expect(got.status).toBe(403);
    expect(got.headers).toMatchObject({ "x-cos-request-id": "r1", "set-thing": "a, b" });
    expect(got.body.toString()).toBe("<Error/>123");
  });

  it("decodes a chunked body (extensions and trailers too) and keeps the connection", async () => {
    const server = await serve((socket, n) =>
      socket.write(
        n === 0
          ? "HTTP/1.1 500 Internal\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\n<Erro\r\n3\r\nr/>\r\n0\r\nX-Trailer: t\r\n\r\n"
          : OK,
      ),
    );
    const client = pool(server);
    const got = await client.send(put("chunked"));
    expect(got.status).toBe(500);
    expect(got.body.toString()).toBe("<Error/>");
    expect((await client.send(put("after"))).status).toBe(200);
    expect(server.connections).toBe(1);
  });

  it("skips 100 Continue and reads the answer after it", async () => {
    const server = await serve((socket) => socket.write(`HTTP/1.1 100 Continue\r\n\r\n${OK}`));
    const got = await pool(server).send(put("continue", "x"));
    expect(got).toMatchObject({ status: 200, headers: { etag: '"abc"' } });
  });

  it("keeps at most the body bytes asked for, and still reads the rest to reuse the connection", async () => {
    const server = await serve((socket, n) =>
      socket.write(n === 0 ? `HTTP/1.1 400 Bad\r\nContent-Length: 100000\r\n\r\n${"e".repeat(100_000)}` : OK),
    );
    const client = pool(server);
    const got = await client.send(put("long-error", "", { maxBody: 1000 }));
    expect(got.body.toString()).toBe("e".repeat(1000));
    expect((await client.send(put("next"))).status).toBe(200);
    expect(server.connections).toBe(1);
  });

  it("reads an answer without a length up to the close, and opens a new connection after it", async () => {
    const server = await serve((socket, n) => {
      if (n === 0) socket.end("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end");
      else socket.write(OK);
    });
    const client = pool(server);
    expect((await client.send(put("a"))).body.toString()).toBe("until the end");
    expect((await client.send(put("b"))).status).toBe(200);
    expect(server.connections).toBe(2);
  });

  it("closes after Connection: close, and after an HTTP/1.0 answer without keep-alive", async () => {
    const server = await serve((socket, n) =>
      socket.write(
        n === 0
          ? "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
          : "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
      ),
    );
    const client = pool(server);
    await client.send(put("a"));
    await client.send(put("b"));
    await client.send(put("c"));
    expect(server.connections).toBe(3);
  });

  it("speaks TLS, checking the certificate against the name given", async () => {
    const server = await serve((socket) => socket.write(OK), { tls: true });
    const client = pool(server);
    expect((await client.send(put("secure", "over tls"))).status).toBe(200);
    expect((await client.send(put("again", "x"))).status).toBe(200);
    expect(server.connections).toBe(1);
    const wrongName = pool({ ...server, target: { ...server.target, servername: "cos.example" } });
    const error = await wrongName.send(put("wrong-name")).catch((e) => e);
    expect(error.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });
});

describe("connections", () => {
  it("opens at most maxSockets connections; the other exchanges wait their turn", async () => {
    const server = await serve((socket) => setTimeout(() => socket.write(OK), 20));
    const client = pool(server, { maxSockets: 3 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => client.send(put(`k${i}`, `${i}`))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(server.connections).toBe(3);
    expect(server.requests).toHaveLength(12);
  });

  it("does not reuse a connection idle longer than idleMs, nor past the server's Keep-Alive timeout", async () => {
    const server = await serve((socket, n) =>
      socket.write(n < 2 ? OK : "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n"),
    );
    const client = pool(server, { idleMs: 150 });
    await client.send(put("a"));
    await client.send(put("b"));
    expect(server.connections).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await client.send(put("c")); // the server says 1 s: an idle connection is kept at most 0 s
    await client.send(put("d"));
    expect(server.connections).toBe(3);
  });

  it("opens a new connection when the server closed an idle one", async () => {
    const server = await serve((socket) => socket.end(OK));
    const client = pool(server);
    await client.send(put("a"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await client.send(put("b"))).status).toBe(200);
    expect(server.connections).toBe(2);
  });

  it("does not reuse a connection on which the server answered before the body was all sent", async () => {
    const server = await serve(
      (socket, _n, head) => {
        if (head.toString("latin1").startsWith("PUT /early ")) {
          socket.write("HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n");
        } else socket.write(OK);
      },
      { answerEarly: true },
    );
    const client = pool(server);
    const big = Buffer.alloc(8 * 1024 * 1024, 1);
    const early = await client.send(put("early", big));
    expect(early.status).toBe(413);
    expect((await client.send(put("next", "x"))).status).toBe(200);
    expect(server.connections).toBe(2);
  });

  it("closes a connection whose server sent bytes after the answer, unasked", async () => {
    const server = await serve((socket) => socket.write(`${OK}HTTP/1.1 200 OK\r\n`));
    const client = pool(server);
    await client.send(put("a"));
    await client.send(put("b"));
    expect(server.connections).toBe(2);
  });
});

describe("failures", () => {
  it("fails with ECONNRESET when the server closes before the answer is complete", async () => {
    const server = await serve((socket) => socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    const error = await pool(server)
      .send(put("cut"))
      .catch((e) => e);
    expect(error.code).toBe("ECONNRESET");
  });

  it("fails with ECONNREFUSED when nothing listens", async () => {
    const server = await serve(() => {});
    await server.close();
    const error = await pool(server)
      .send(put("nobody"))
      .catch((e) => e);
    expect(error.code).toBe("ECONNREFUSED");
  });

  it("fails with EPROTO on what is not HTTP: a bad status line, a head without end, a bad chunk", async () => {
    const answers = [
      "SMTP ready\r\n\r\n",
      `HTTP/1.1 200 OK\r\nX-Long: ${"a".repeat(70 * 1024)}`,
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
    ];
    for (const text of answers) {
      const server = await serve((socket) => socket.write(text));
      const error = await pool(server)
        .send(put("bad"))
        .catch((e) => e);
      expect(error.code).toBe("EPROTO");
    }
  });

  it("fails with ETIMEDOUT when the server stays silent for timeoutMs", async () => {
    const server = await serve(() => {});
    const error = await pool(server, { timeoutMs: 200 })
      .send(put("silent"))
      .catch((e) => e);
    expect(error.code).toBe("ETIMEDOUT");
  });

  it("rejects with the signal's reason: an exchange in flight (its connection closed), one waiting (never sent)", async () => {
    const server = await serve(() => {});
    const client = pool(server, { maxSockets: 1 });
    const controller = new AbortController();
    const inFlight = client.send(put("in-flight", "x", { signal: controller.signal })).catch((e) => e);
    const waiting = client.send(put("waiting", "y", { signal: controller.signal })).catch((e) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reason = new Error("stop");
    controller.abort(reason);
    expect(await inFlight).toBe(reason);
    expect(await waiting).toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.requests.map((r) => r.toString("latin1").split(" ")[1])).toEqual(["/in-flight"]);
    const aborted = await client.send(put("late", "", { signal: controller.signal })).catch((e) => e);
    expect(aborted).toBe(reason);
  });

  it("fails the exchanges in flight and waiting when closed, and refuses new ones", async () => {
    const server = await serve(() => {});
    const client = pool(server, { maxSockets: 1 });
    const inFlight = client.send(put("a")).catch((e) => e);
    const waiting = client.send(put("b")).catch((e) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.close();
    expect((await inFlight).code).toBe("ECONNRESET");
    expect((await waiting).code).toBe("ERR_CLIENT_CLOSED");
    expect((await client.send(put("c")).catch((e) => e)).code).toBe("ERR_CLIENT_CLOSED");
  });
});
