import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { CosError } from "./errors.ts";

/**
 * `x-cos-traffic-limit` (single-connection bandwidth limit, doc 436/40140, intl 436/34072): a number of bits per
 * second on PUT Object, POST Object (as a form field), Upload Part and GET Object, in a header or as a query
 * parameter; COS accepts 819200 to 838860800 (100 KB/s to 100 MB/s) and answers any other value 400.
 */
export const MIN_TRAFFIC_LIMIT = 819_200;
export const MAX_TRAFFIC_LIMIT = 838_860_800;
export const TRAFFIC_LIMIT = "x-cos-traffic-limit";

/** Pieces a paced transfer is cut into: this many a second, so a limited transfer moves in 100 ms steps. */
export const PACING_STEPS_PER_SECOND = 10;

/** The time a paced transfer reads and waits on; `startLocalCloud({ trafficClock })` replaces it in tests. */
export interface TransferClock {
  /** Milliseconds, from any origin. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const REAL_TRANSFER_CLOCK: TransferClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The limit a request asks for, from its header or else its query; `undefined` when it asks for none. A value
 * that is not a whole number of bits per second within COS's range is refused with 400 InvalidArgument (COS
 * documents the status, 400, not the code: `InvalidArgument` is *chosen*, the code of its list for an invalid
 * request parameter, doc 436/7730).
 */
export function trafficLimitOf(
  req: IncomingMessage,
  query: Map<string, string>,
  field?: string | undefined,
): number | undefined {
  const header = req.headers[TRAFFIC_LIMIT];
  const value = field ?? (typeof header === "string" ? header : query.get(TRAFFIC_LIMIT));
  if (value === undefined) return undefined;
  const bits = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(bits >= MIN_TRAFFIC_LIMIT && bits <= MAX_TRAFFIC_LIMIT)) {
    throw new CosError(
      "InvalidArgument",
      `${TRAFFIC_LIMIT} ${JSON.stringify(value)} is not a number of bit/s from ${MIN_TRAFFIC_LIMIT} to ${MAX_TRAFFIC_LIMIT}`,
    );
  }
  return bits;
}

/**
 * Passes `source` on at `bitsPerSecond`: cut into pieces of a tenth of a second's bytes, each piece leaves once
 * its last byte's time has come, `bytes * 8 / bitsPerSecond` seconds after the start (so the last one at
 * `size * 8 / bitsPerSecond`, and a reader has the whole body no sooner). The schedule depends only on the byte
 * count, not on how the source happened to chunk the bytes, so a test with a fake `clock` can check it exactly.
 */
export async function* paced(
  source: AsyncIterable<Buffer | string>,
  bitsPerSecond: number,
  clock: TransferClock,
): AsyncGenerator<Buffer> {
  const step = Math.max(1, Math.floor(bitsPerSecond / 8 / PACING_STEPS_PER_SECOND));
  const start = clock.now();
  let sent = 0;
  const until = async (bytes: number) => {
    const wait = start + (bytes * 8000) / bitsPerSecond - clock.now();
    if (wait > 0) await clock.sleep(wait);
  };
  let pending = Buffer.alloc(0);
  for await (const chunk of source) {
    pending = pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([pending, Buffer.from(chunk)]);
    while (pending.length >= step) {
      const piece = pending.subarray(0, step);
      pending = pending.subarray(step);
      sent += piece.length;
      await until(sent);
      yield piece;
    }
  }
  if (pending.length > 0) {
    sent += pending.length;
    await until(sent);
    yield pending;
  }
}

/** `body` as it is to be read: paced at `bitsPerSecond`, or as it is without a limit. */
export function limited(
  body: NodeJS.ReadableStream,
  bitsPerSecond: number | undefined,
  clock: TransferClock,
): NodeJS.ReadableStream {
  if (bitsPerSecond === undefined) return body;
  return Readable.from(paced(body as AsyncIterable<Buffer>, bitsPerSecond, clock), { objectMode: false });
}
