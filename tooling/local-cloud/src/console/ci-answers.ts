import type { ServerResponse } from "node:http";
import type { RequestLogEntry } from "../request-log.ts";

/** At most this many bytes of a Cloud Infinite answer are kept in its request log entry. */
export const MAX_ANSWER_BYTES = 4 * 1024;

/** A request log entry of service `ci`, with what Cloud Infinite answered (kept when a console runs). */
export type CiLogEntry = RequestLogEntry;

/**
 * Keeps the first `MAX_ANSWER_BYTES` of the response body in `entry.answer` (as UTF-8 text), so that the
 * console can show what Cloud Infinite answered. Only called for CI requests, with a console.
 */
export function keepAnswer(res: ServerResponse, entry: CiLogEntry | undefined): void {
  if (!entry) return;
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (chunk: unknown, encoding: unknown) => {
    if (size >= MAX_ANSWER_BYTES || chunk === undefined || chunk === null || typeof chunk === "function") return;
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
        : Buffer.from(chunk as Uint8Array);
    const part = bytes.subarray(0, MAX_ANSWER_BYTES - size);
    chunks.push(part);
    size += part.length;
    entry.answer = Buffer.concat(chunks).toString("utf8");
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse["write"];
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    entry.answer ??= "";
    return end(chunk, ...rest);
  }) as ServerResponse["end"];
}
