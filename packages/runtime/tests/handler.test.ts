import type { CosRecord } from "@cosfn/events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ConfigError,
  createHandler,
  type HandlerOptions,
  InvocationFailedError,
  PermanentError,
  RetryableError,
  writerMetadata,
} from "../src/index.ts";
import { context, rawEvent } from "./support.ts";

let lines: Record<string, unknown>[];
beforeEach(() => {
  lines = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function handler(
  processRecord: HandlerOptions<{ prefix: string }>["processRecord"],
  more: Partial<HandlerOptions<{ prefix: string }>> = {},
) {
  return createHandler({ name: "test-fn", config: () => ({ prefix: "out/" }), processRecord, ...more });
}

const recordLines = () => lines.filter((l) => typeof l.outcome === "string" && l.key !== undefined);

describe("createHandler", () => {
  it("runs every record of the event and returns a summary in the event's order", async () => {
    const seen: string[] = [];
    const main = handler(async (record) => {
      seen.push(record.key);
      return record.key.endsWith(".csv") ? { detail: { rows: 3 } } : undefined;
    });
    const summary = await main(rawEvent("object-created-put", "batch"), context());
    expect(seen.sort()).toEqual(["inbox/a.txt", "inbox/b.csv", "inbox/sub/c.bin"]);
    expect(summary).toMatchObject({ function: "test-fn", processed: 3, skipped: 0, failed: 0 });
    expect(summary.records.map((r) => [r.key, r.outcome])).toEqual([
      ["inbox/a.txt", "done"],
      ["inbox/b.csv", "done"],
      ["inbox/sub/c.bin", "done"],
    ]);
    expect(summary.records[1]?.detail).toEqual({ rows: 3 });
  });

  it("logs one JSON line per record with function, request id, bucket, key, event, outcome and duration", async () => {
    const main = handler(async () => undefined, { filter: { suffixes: [".txt"] } });
    await main(rawEvent("object-created-put", "batch"), context());
    const records = recordLines();
    expect(records).toHaveLength(3);
    for (const line of records) {
      expect(line).toMatchObject({
        function: "test-fn",
        requestId: "req-123",
        bucket: "examplebucket-1250000000",
        event: "cos:ObjectCreated:Put",
      });
      expect(typeof line.durationMs).toBe("number");
    }
    // Lines come in the order records finish; sorted here by key.
    expect(records.map((l) => [l.key, l.outcome, l.reason]).sort()).toEqual([
      ["inbox/a.txt", "done", undefined],
      ["inbox/b.csv", "skipped", "key does not end with .txt"],
      ["inbox/sub/c.bin", "skipped", "key does not end with .txt"],
    ]);
  });

  it("filters by event name, prefix and suffix, and guards against its own output", async () => {
    const processed: string[] = [];
    const main = handler(
      async (record) => {
        processed.push(record.key);
        return undefined;
      },
      {
        filter: (config) => ({
          events: ["cos:ObjectCreated:*"],
          prefix: "in/",
          suffixes: [".ZIP"],
          outputPrefix: config.prefix,
        }),
      },
    );
    const event = (key: string, eventName = "cos:ObjectCreated:Put", meta: Record<string, string> = {}) => {
      const e = rawEvent("object-created-put");
      const r = e.Records[0];
      r.event.eventName = eventName;
      r.cos.cosObject.key = `/1250000000/examplebucket/${key}`;
      r.cos.cosObject.url = `http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/${key}`;
      for (const [k, v] of Object.entries(meta)) r.cos.cosObject.meta[`x-cos-meta-${k}`] = v;
      return e;
    };
    const reasons = async (e: unknown) => (await main(e, context())).records[0]?.reason;
    expect(await reasons(event("in/a.zip"))).toBeUndefined();
    expect(await reasons(event("in/a.zip", "cos:ObjectRemove:Delete"))).toBe(
      "event cos:ObjectRemove:Delete is not handled",
    );
    expect(await reasons(event("other/a.zip"))).toBe("key is not under in/");
    expect(await reasons(event("in/a.txt"))).toBe("key does not end with .ZIP");
    expect(await reasons(event("out/in/a.zip"))).toBe("loop guard: out/in/a.zip is under the output prefix out/");
    expect(await reasons(event("in/b.zip", "cos:ObjectCreated:Put", writerMetadata("test-fn")))).toBe(
      "loop guard: the object was written by test-fn",
    );
    expect(await reasons(event("in/c.zip", "cos:ObjectCreated:Put", writerMetadata("another-fn")))).toBeUndefined();
    expect(processed).toEqual(["in/a.zip", "in/c.zip"]);
  });

  it("runs records with bounded concurrency", async () => {
    let running = 0;
    let most = 0;
    const main = handler(
      async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return undefined;
      },
      { concurrency: 2 },
    );
    const event = { Records: Array.from({ length: 7 }, () => rawEvent("object-created-put").Records[0]) };
    const summary = await main(event, context());
    expect(summary.processed).toBe(7);
    expect(most).toBe(2);
    vi.stubEnv("COSFN_CONCURRENCY", "1");
    most = 0;
    await handler(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return undefined;
    })(event, context());
    expect(most).toBe(1);
  });

  it("reports a permanent failure without throwing, and the other records still run", async () => {
    const main = handler(async (record) => {
      if (record.key === "inbox/b.csv") throw new PermanentError("CORRUPT", "inbox/b.csv: not a CSV");
      return undefined;
    });
    const summary = await main(rawEvent("object-created-put", "batch"), context());
    expect(summary).toMatchObject({ processed: 2, failed: 1 });
    expect(summary.records[1]).toMatchObject({
      outcome: "failed",
      error: { code: "CORRUPT", message: "inbox/b.csv: not a CSV", retryable: false },
    });
  });

  it("throws a permanent failure too when FAIL_ON_PERMANENT=true (for dead-letter routing)", async () => {
    vi.stubEnv("FAIL_ON_PERMANENT", "true");
    const main = handler(async () => {
      throw new PermanentError("CORRUPT", "bad");
    });
    const error = await main(rawEvent("object-created-put"), context()).catch((e) => e);
    expect(error).toBeInstanceOf(InvocationFailedError);
    expect(error.retryable).toBe(false);
  });

  it("throws after all records ran when a failure is retryable, so that SCF retries the event", async () => {
    const ran: string[] = [];
    const main = handler(async (record) => {
      ran.push(record.key);
      if (record.key === "inbox/a.txt") throw new RetryableError("SlowDown", "throttled");
      if (record.key === "inbox/b.csv") throw new TypeError("a bug, retried like any unknown error");
      return undefined;
    });
    const error = await main(rawEvent("object-created-put", "batch"), context()).catch((e) => e);
    expect(ran).toHaveLength(3);
    expect(error).toBeInstanceOf(InvocationFailedError);
    expect(error.message).toBe("test-fn: 2 of 3 records failed; first: inbox/a.txt: SlowDown: throttled");
    expect(error.summary).toMatchObject({ processed: 1, failed: 2 });
    expect(error.summary.records[1].error).toMatchObject({ code: "TypeError", retryable: true });
  });

  it.each([undefined, null, "text", 42, {}, { Records: "x" }, { Records: [{}] }])(
    "reports an invalid event (%j) as one permanent failure, never a TypeError",
    async (event) => {
      const main = handler(async () => undefined);
      const summary = await main(event, context());
      expect(summary).toMatchObject({
        processed: 0,
        failed: 1,
        records: [{ outcome: "failed", error: { code: "INVALID_COS_EVENT", retryable: false } }],
      });
      expect(lines.find((l) => l.message === "invalid event")).toBeDefined();
    },
  );

  it("gives each record an AbortSignal that fires before SCF's time limit, and stops what has not started", async () => {
    const timeLefts: number[] = [];
    const main = handler(
      async (_record, { signal, timeLeft }) => {
        timeLefts.push(timeLeft());
        await new Promise((resolve, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason));
          setTimeout(resolve, 5000);
        });
        return undefined;
      },
      { concurrency: 1, deadlineMarginMs: 1000 },
    );
    const started = Date.now();
    const error = await main(rawEvent("object-created-put", "batch"), context({ time_limit_in_ms: 1300 })).catch(
      (e) => e,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(1300);
    expect(timeLefts).toHaveLength(1);
    expect(timeLefts[0]).toBeLessThanOrEqual(300);
    expect(error).toBeInstanceOf(InvocationFailedError);
    expect(error.summary.records.map((r: { error: { code: string } }) => r.error.code)).toEqual([
      "DEADLINE",
      "DEADLINE",
      "DEADLINE",
    ]);
    expect(error.summary.records[2].error.message).toContain("not started");
  });

  it("fails at the first invocation with the ConfigError of a bad setting, and logs it", async () => {
    vi.stubEnv("MAX_ENTRIES", "many");
    const main = createHandler({
      name: "test-fn",
      config: (env) => ({ maxEntries: env.int("MAX_ENTRIES", { default: 10_000, min: 1 }) }),
      processRecord: async () => undefined,
    });
    await expect(main(rawEvent("object-created-put"), context())).rejects.toThrow(ConfigError);
    await expect(main(rawEvent("object-created-put"), context())).rejects.toThrow(
      'MAX_ENTRIES="many": expected an integer from 1 to',
    );
    expect(lines.find((l) => l.message === "configuration error")).toMatchObject({ error: { code: "CONFIG_ERROR" } });
  });

  it("keeps credentials and signed URLs out of every log line", async () => {
    vi.stubEnv("TENCENTCLOUD_SECRETKEY", "s3cr3tKeyValue");
    const main = handler(async () => {
      throw new RetryableError(
        "SignatureDoesNotMatch",
        "GET http://b-1250000000.cos.ap-guangzhou.myqcloud.com/k?q-sign-algorithm=sha1&q-ak=AKIDabcdefgh12345678&q-signature=deadbeef&x-cos-security-token=tok123 failed",
      );
    });
    await main(rawEvent("object-created-put"), context()).catch(() => undefined);
    const text = JSON.stringify(lines);
    expect(text).toContain("SignatureDoesNotMatch");
    for (const secret of ["deadbeef", "AKIDabcdefgh12345678", "tok123", "s3cr3tKeyValue"])
      expect(text).not.toContain(secret);
  });

  it("honours COSFN_LOG_LEVEL", async () => {
    vi.stubEnv("COSFN_LOG_LEVEL", "error");
    await handler(async () => undefined)(rawEvent("object-created-put"), context());
    expect(lines).toEqual([]);
  });

  it("passes the record's stable id and the config", async () => {
    const ids: string[] = [];
    const records: CosRecord[] = [];
    const main = handler(async (record, { id, config }) => {
      ids.push(id);
      records.push(record);
      expect(config).toEqual({ prefix: "out/" });
      return undefined;
    });
    await main(rawEvent("object-created-put"), context());
    await main(rawEvent("object-created-put"), context());
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[0]).toBe(ids[1]);
  });
});
