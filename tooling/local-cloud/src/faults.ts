import type { IncomingMessage, ServerResponse } from "node:http";

/** What a matching request suffers. */
export type FaultKind =
  /** Wait `ms` before handling the request. */
  | { kind: "latency"; ms: number }
  /** Answer 503 SlowDown (COS) or an InternalError (Cloud API) without handling the request. */
  | { kind: "unavailable" }
  /** Destroy the connection before answering. */
  | { kind: "reset" }
  /** Send the headers and part of the body, then destroy the connection. */
  | { kind: "truncate"; fraction?: number };

export interface FaultRule {
  fault: FaultKind;
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose `<host><path>?<query>` matches. */
  pattern?: RegExp;
  /** Chance per matching request, 0 to 1. Default 1. */
  rate?: number;
  /** Stop after this many injected faults. Default unlimited. */
  times?: number;
}

interface ActiveRule extends FaultRule {
  injected: number;
}

/** Fault injection for tests: latency, 5xx, resets and truncated bodies, for chosen requests or at a rate. */
export class Faults {
  readonly #rules: ActiveRule[] = [];
  /** How many faults were injected, by kind. */
  readonly injected: Record<FaultKind["kind"], number> = { latency: 0, unavailable: 0, reset: 0, truncate: 0 };
  #random: () => number;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  add(rule: FaultRule): void {
    this.#rules.push({ ...rule, injected: 0 });
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** The faults this request suffers, in the order the rules were added. */
  pick(req: IncomingMessage): FaultKind[] {
    const target = `${req.headers.host ?? ""}${req.url ?? ""}`;
    const picked: FaultKind[] = [];
    for (const rule of this.#rules) {
      if (rule.method && rule.method !== req.method) continue;
      if (rule.pattern && !rule.pattern.test(target)) continue;
      if (rule.times !== undefined && rule.injected >= rule.times) continue;
      if (this.#random() >= (rule.rate ?? 1)) continue;
      rule.injected++;
      this.injected[rule.fault.kind]++;
      picked.push(rule.fault);
    }
    return picked;
  }
}

/**
 * Applies the faults picked for a request. Returns false when the request must not be handled further (the
 * connection was reset, or `unavailable` answered it through `answer`).
 */
export async function applyFaults(
  faults: FaultKind[],
  req: IncomingMessage,
  res: ServerResponse,
  answerUnavailable: () => void,
): Promise<boolean> {
  for (const fault of faults) {
    if (fault.kind === "latency") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    else if (fault.kind === "reset") {
      req.socket.destroy();
      return false;
    } else if (fault.kind === "unavailable") {
      // Read what the client sends first, so that it sees the answer rather than a broken pipe.
      req.resume();
      await new Promise((resolve) => req.once("end", resolve).once("error", resolve).once("close", resolve));
      answerUnavailable();
      return false;
    } else truncateResponse(res, fault.fraction ?? 0.5);
  }
  return true;
}

/** Lets only a fraction of the announced body through, then destroys the connection. */
function truncateResponse(res: ServerResponse, fraction: number): void {
  const write = res.write.bind(res) as (chunk: Buffer | string, ...rest: unknown[]) => boolean;
  let sent = 0;
  let limit: number | undefined;
  let cut = false;
  res.write = ((chunk: Buffer | string, ...rest: unknown[]) => {
    if (cut) return false;
    limit ??= Math.floor(Number(res.getHeader("content-length") ?? 0) * fraction);
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (sent + bytes.length < limit) {
      sent += bytes.length;
      return write(bytes, ...rest);
    }
    cut = true;
    write(bytes.subarray(0, Math.max(0, limit - sent)));
    setImmediate(() => res.socket?.destroy());
    return false;
  }) as ServerResponse["write"];
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (chunk !== undefined && typeof chunk !== "function") res.write(chunk as Buffer);
    if (cut) return res;
    // An empty or short body: cut the connection instead of ending it.
    cut = true;
    setImmediate(() => res.socket?.destroy());
    return res;
  }) as ServerResponse["end"];
}
