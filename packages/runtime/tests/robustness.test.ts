import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  createHandler,
  type HandlerSummary,
  InvocationFailedError,
  Logger,
  PermanentError,
  Redactor,
  type ScfContext,
} from "../src/index.ts";
import { context, rawEvent } from "./support.ts";

let output: string[];
beforeEach(() => {
  output = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Every record of the batch fixture (three keys), with `work` deciding what each does. */
const batch = () => rawEvent("object-created-put", "batch");

async function outcome(main: (event: unknown, context: ScfContext) => Promise<HandlerSummary>, ctx = context()) {
  try {
    return { summary: await main(batch(), ctx), thrown: undefined };
  } catch (error) {
    return { summary: (error as InvocationFailedError).summary, thrown: error as InvocationFailedError };
  }
}

describe("setup: what a warm instance keeps", () => {
  it("runs once per warm instance, after config, and hands its resources to every record", async () => {
    const setup = vi.fn(async (config: { table: string }) => ({ pool: `pool for ${config.table}` }));
    const seen: string[] = [];
    const main = createHandler({
      name: "robust-fn",
      config: () => ({ table: "objects" }),
      setup,
      processRecord: async (_record, { resources, name }) => {
        seen.push(`${name}:${resources.pool}`);
        return undefined;
      },
    });
    await main(batch(), context());
    await main(batch(), context());
    expect(setup).toHaveBeenCalledTimes(1);
    expect(seen).toHaveLength(6);
    expect(new Set(seen)).toEqual(new Set(["robust-fn:pool for objects"]));
  });

  it("hands setup the role's credentials and the Cloud API endpoint; no credentials is a ConfigError naming them", async () => {
    vi.stubEnv("TENCENTCLOUD_SECRETID", "AKIDsetup000000000001");
    vi.stubEnv("TENCENTCLOUD_SECRETKEY", "setup-secret-key-1");
    vi.stubEnv("TENCENTCLOUD_SESSIONTOKEN", "setup-token-1");
    vi.stubEnv("COSFN_CLOUD_API_ENDPOINT", "http://127.0.0.1:19000");
    const seen: unknown[] = [];
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      setup: (_config, { credentials, cloudApiEndpoint }) => {
        seen.push(credentials(), cloudApiEndpoint);
        return undefined;
      },
      processRecord: async () => undefined,
    });
    await main(batch(), context());
    expect(seen).toEqual([
      { secretId: "AKIDsetup000000000001", secretKey: "setup-secret-key-1", token: "setup-token-1" },
      "http://127.0.0.1:19000",
    ]);
    vi.stubEnv("TENCENTCLOUD_SECRETID", "");
    const without = createHandler({
      name: "robust-fn",
      config: () => ({}),
      setup: (_config, { credentials }) => credentials(),
      processRecord: async () => undefined,
    });
    await expect(without(batch(), context())).rejects.toThrow("TENCENTCLOUD_SECRETID is required");
  });

  it("a failed setup fails the invocation with secrets masked, is logged, and is tried again at the next", async () => {
    vi.stubEnv("DATABASE_PASSWORD", "hunter2-very-secret");
    let calls = 0;
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      setup: async () => {
        calls++;
        if (calls === 1) {
          throw new Error(
            "connect postgres://app:hunter2-very-secret@db:5432/x refused (password hunter2-very-secret)",
          );
        }
        return { ok: true };
      },
      processRecord: async () => undefined,
    });
    const error = await main(batch(), context()).catch((e: Error) => e);
    expect((error as Error).message).toBe("connect postgres://app:[redacted]@db:5432/x refused (password [redacted])");
    expect(output.join("")).toContain('"message":"setup failed"');
    expect(output.join("")).not.toContain("hunter2");
    const summary = await main(batch(), context());
    expect(summary.processed).toBe(3);
    expect(calls).toBe(2);
  });
});

describe("nothing one record does loses the others or the summary", () => {
  it("a thrown string, a null-prototype object or undefined fails only that record, with a readable message", async () => {
    const thrown: unknown[] = ["plain string", Object.assign(Object.create(null), { why: "nope" }), undefined];
    let i = 0;
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      concurrency: 1,
      processRecord: async () => {
        throw thrown[i++];
      },
    });
    const { summary, thrown: error } = await outcome(main);
    expect(error).toBeInstanceOf(InvocationFailedError);
    expect(summary.records.map((r) => [r.outcome, r.error?.code, r.error?.message, r.error?.retryable])).toEqual([
      ["failed", "Error", "plain string", true],
      ["failed", "Error", '{"why":"nope"}', true],
      ["failed", "Error", "undefined", true],
    ]);
    expect(output.join("").split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(4);
  });

  it("details that cannot be serialized (a BigInt, a cycle, a function) become JSON-safe in the summary and log", async () => {
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      processRecord: async (record) => {
        const detail: Record<string, unknown> = { rows: 10n, key: record.key, callback: () => 1 };
        detail.self = detail;
        return { detail };
      },
    });
    const summary = await main(batch(), context());
    expect(summary.processed).toBe(3);
    expect(summary.records[0]?.detail).toEqual({ rows: "10", key: "inbox/a.txt", self: "[Circular]" });
    expect(() => JSON.stringify(summary)).not.toThrow();
    expect(output.join("")).toContain('"rows":"10"');
  });

  it("a record that ignores the abort signal is failed as retryable at the deadline, on time, and the others are kept", async () => {
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      deadlineMarginMs: 600,
      processRecord: async (record) => {
        if (record.key === "inbox/b.csv") await new Promise(() => {}); // never settles, ignores the signal
        return undefined;
      },
    });
    // On vitest's fake clock, so that "on time" is exact whatever the machine's load: the signal fires at 600 ms,
    // the record is abandoned at 900 ms, before SCF's 1200 ms limit.
    vi.useFakeTimers();
    let settled: number | undefined;
    const running = outcome(main, context({ time_limit_in_ms: 1200 })).finally(() => {
      settled = Date.now();
    });
    const started = Date.now();
    await vi.advanceTimersByTimeAsync(899);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(2);
    expect(settled).toBeDefined();
    expect((settled as number) - started).toBeLessThanOrEqual(901);
    vi.useRealTimers();
    const { summary, thrown } = await running;
    expect(thrown).toBeInstanceOf(InvocationFailedError);
    expect(thrown?.retryable).toBe(true);
    expect(summary.records.map((r) => [r.key, r.outcome, r.error?.code, r.error?.retryable])).toEqual([
      ["inbox/a.txt", "done", undefined, undefined],
      ["inbox/b.csv", "failed", "DEADLINE", true],
      ["inbox/sub/c.bin", "done", undefined, undefined],
    ]);
  }, 5000);

  it("a permanent failure at the deadline stays permanent; a record that stops on the signal is retryable", async () => {
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      deadlineMarginMs: 400,
      processRecord: async (record, { signal }) => {
        if (record.key === "inbox/a.txt") throw new PermanentError("CORRUPT", "bad bytes");
        await new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("stopped"))));
        return undefined;
      },
    });
    const { summary } = await outcome(main, context({ time_limit_in_ms: 600 }));
    expect(summary.records.map((r) => [r.outcome, r.error?.code, r.error?.retryable])).toEqual([
      ["failed", "CORRUPT", false],
      ["failed", "DEADLINE", true],
      ["failed", "DEADLINE", true],
    ]);
  });
});

describe("secrets never reach output", () => {
  const secrets = ["SuperSecretKeyValue123", "AKIDsecretidvalue0001", "session-token-value-xyz", "db-password-42"];
  beforeEach(() => {
    vi.stubEnv("TENCENTCLOUD_SECRETKEY", "SuperSecretKeyValue123");
    vi.stubEnv("TENCENTCLOUD_SESSIONTOKEN", "session-token-value-xyz");
    vi.stubEnv("DB_PASSWORD", "db-password-42");
  });

  it("masks fields at any depth, free text, secret values, error messages and the returned summary", async () => {
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      concurrency: 1,
      processRecord: async (record) => {
        if (record.key === "inbox/a.txt") {
          let deep: Record<string, unknown> = { authorization: "q-sign-algorithm=sha1&q-ak=AKIDsecretidvalue0001" };
          for (let level = 0; level < 12; level++) deep = { level, nested: deep, note: "key SuperSecretKeyValue123" };
          return { detail: deep };
        }
        if (record.key === "inbox/b.csv") {
          throw new PermanentError(
            "AccessDenied",
            "GET /k?q-signature=abcdef0123&x-cos-security-token=session-token-value-xyz with db-password-42",
          );
        }
        return { skipped: "token=session-token-value-xyz was refused" };
      },
    });
    const summary = await main(batch(), context());
    const text = `${output.join("")}\n${JSON.stringify(summary)}`;
    for (const secret of [...secrets, "abcdef0123"]) expect(text).not.toContain(secret);
    expect(summary.records[1]?.error?.message).toBe(
      "GET /k?q-signature=[redacted]&x-cos-security-token=[redacted] with [redacted]",
    );
    expect(JSON.stringify(summary.records[0]?.detail)).toContain('"authorization":"[redacted]"');
    expect(summary.records[2]?.reason).toBe("token=[redacted] was refused");
  });

  it("masks the keys SCF hands a warm instance later (rotated temporary credentials)", async () => {
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      processRecord: async () => {
        throw new PermanentError("Denied", `signed with ${process.env.TENCENTCLOUD_SECRETKEY}`);
      },
    });
    await main(batch(), context());
    vi.stubEnv("TENCENTCLOUD_SECRETKEY", "RotatedSecretKeyValue456");
    const summary = await main(batch(), context());
    expect(summary.records[0]?.error?.message).toBe("signed with [redacted]");
    expect(output.join("")).not.toContain("RotatedSecretKeyValue456");
  });

  it("masks the message of the error the handler throws", async () => {
    const main = createHandler({
      name: "robust-fn",
      config: () => ({}),
      processRecord: async () => {
        throw new Error("upstream said: SuperSecretKeyValue123 is wrong");
      },
    });
    const error = (await main(batch(), context()).catch((e) => e)) as InvocationFailedError;
    expect(error.message).toContain("[redacted] is wrong");
    expect(error.message).not.toContain("SuperSecretKeyValue123");
  });
});

describe("Redactor", () => {
  it("never throws, whatever it is given", () => {
    const redactor = new Redactor(["abcdefgh"]);
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("trap");
        },
      },
    );
    expect(redactor.value({ a: hostile, b: "abcdefgh", c: new Uint8Array(4), d: new Date(0) })).toEqual({
      a: "[unreadable]",
      b: "[redacted]",
      c: "[4 bytes]",
      d: "1970-01-01T00:00:00.000Z",
    });
  });

  it("Logger lines stay valid JSON with a BigInt or a cycle", () => {
    const lines: string[] = [];
    const log = new Logger({}, { write: (line) => lines.push(line) });
    const cycle: Record<string, unknown> = { n: 1n };
    cycle.cycle = cycle;
    log.info("hello", { cycle });
    expect(JSON.parse(lines[0] as string)).toMatchObject({ message: "hello", cycle: { n: "1", cycle: "[Circular]" } });
  });
});

describe("the loop guard's writer marker", () => {
  it("is matched whatever the case of its name and value", async () => {
    const event = rawEvent("object-created-put");
    const meta = event.Records[0].cos.cosObject.meta;
    meta["x-cos-meta-Cosfn-Function"] = "Robust-FN";
    const main = createHandler({ name: "robust-fn", config: () => ({}), processRecord: async () => undefined });
    const summary = await main(event, context());
    expect(summary.records[0]).toMatchObject({
      outcome: "skipped",
      reason: "loop guard: the object was written by robust-fn",
    });
    meta["x-cos-meta-Cosfn-Function"] = "another-fn";
    expect((await main(event, context())).records[0]?.outcome).toBe("done");
  });
});
