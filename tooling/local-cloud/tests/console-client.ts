import { request } from "node:http";
import type { LocalCloud } from "../src/index.ts";

export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: Buffer;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/**
 * A request to the local cloud's console over HTTP (node:http, so that any Host and Origin can be sent); the body
 * is written in chunks of at most 64 KiB.
 */
export function consoleCall(
  cloud: LocalCloud,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<ConsoleAnswer> {
  const console = cloud.console;
  if (!console) throw new Error("the local cloud was started without its console");
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = {
    ...(body !== undefined &&
      options.headers?.["transfer-encoding"] === undefined && { "content-length": String(body.length) }),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port: console.port, method, path, headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("error", reject);
      answer.on("end", () => {
        const bytes = Buffer.concat(chunks);
        let json: Record<string, unknown> | undefined;
        if (String(answer.headers["content-type"]).startsWith("application/json"))
          json = JSON.parse(bytes.toString("utf8")) as Record<string, unknown>;
        resolve({ status: answer.statusCode ?? 0, headers: answer.headers, bytes, json });
      });
    });
    outgoing.on("error", reject);
    if (body !== undefined)
      for (let at = 0; at < body.length; at += 64 * 1024) outgoing.write(body.subarray(at, at + 64 * 1024));
    outgoing.end();
  });
}

/** The path of an object route with its query. */
export function objectPath(bucket: string, route: string, query: Record<string, string>): string {
  return `/api/buckets/${encodeURIComponent(bucket)}/${route}?${new URLSearchParams(query)}`;
}
