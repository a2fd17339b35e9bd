import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createCosClient } from "@cosfn/cos";
import { parseCosEvent } from "@cosfn/events";
import { describe, expect, it } from "vitest";
import { compareKeys } from "../../../functions/db-sync/src/reconcile.ts";
import {
  BENCH_BUCKET,
  BENCH_REGION,
  benchKey,
  everyNth,
  extraKey,
  extrapolateBaseline,
  quantile,
} from "../scenarios/db-sync-keys.ts";
import { SCENARIOS } from "../src/index.ts";

const scenario = (name: string) => fileURLToPath(new URL(`../scenarios/${name}`, import.meta.url));

describe("the db-sync scenario's keys and arithmetic", () => {
  it("is registered with the harness", () => {
    const file = SCENARIOS["db-sync"]?.file as string;
    expect(file).toBe("db-sync.ts");
    for (const name of [file, "db-sync-run.ts", "db-sync-cloud.ts", "db-sync-keys.ts"]) {
      expect(existsSync(fileURLToPath(new URL(`../scenarios/${name}`, import.meta.url)))).toBe(true);
    }
  });

  it("names keys under data/ whose byte order is their index order, each extra key right after its object's", () => {
    expect(benchKey(0)).toBe("data/r/0000000.txt");
    expect(benchKey(99_999)).toBe("data/r/0099999.txt");
    const keys = [benchKey(10), extraKey(3), benchKey(3), benchKey(4), benchKey(100_000)];
    expect([...keys].sort(compareKeys)).toEqual([
      benchKey(3),
      extraKey(3),
      benchKey(4),
      benchKey(10),
      benchKey(100_000),
    ]);
  });

  it("picks every 20th index from an offset: 5% of the objects or rows", () => {
    expect(everyNth(100, 20, 2)).toEqual([2, 22, 42, 62, 82]);
    expect(everyNth(100_000, 20, 1)).toHaveLength(5_000);
    expect(everyNth(3, 20, 5)).toEqual([]);
  });

  it("extrapolates the per-row baseline from a sample: the whole listing plus the loop scaled", () => {
    expect(extrapolateBaseline(2_000, 500, 1_000, 100_000)).toBe(2_000 + 50_000);
    expect(extrapolateBaseline(10, 40, 4, 4)).toBe(50);
    expect(() => extrapolateBaseline(1, 1, 0, 10)).toThrow(RangeError);
  });

  it("reads quantiles by nearest rank", () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.95,
      ),
    ).toBe(95);
    expect(quantile([7], 0.95)).toBe(7);
    expect(Number.isNaN(quantile([], 0.5))).toBe(true);
  });
});

describe("the db-sync scenario's local cloud (db-sync-cloud.ts): the trigger path", () => {
  it("hands each put's event to the bound function endpoint, 2 at most at once, and counts a 500 as failed", async () => {
    const cloud = spawn(process.execPath, ["--import", "tsx", scenario("db-sync-cloud.ts"), "2"], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: cloud.stdout })[Symbol.asyncIterator]();
    const next = async () => JSON.parse((await lines.next()).value as string);
    const ask = async (command: string) => {
      cloud.stdin.write(`${command}\n`);
      return next();
    };
    // The function side: records what it was handed; the key ending "fail" is answered 500.
    const received: { key: string; functionName: string; running: number }[] = [];
    let running = 0;
    const fn = createServer((req, res) => {
      running++;
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const { event, context } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const key = parseCosEvent(event)[0]?.key as string;
        received.push({ key, functionName: context.function_name, running });
        setImmediate(() => {
          running--;
          if (key.endsWith("fail")) res.writeHead(500).end("refused");
          else res.writeHead(200, { "content-type": "application/json" }).end('{"processed":1,"failed":0}');
        });
      });
    });
    await new Promise<void>((resolve) => fn.listen(0, "127.0.0.1", resolve));
    try {
      const ready = await next();
      const cos = createCosClient({ region: BENCH_REGION, credentials: ready.credentials, endpoint: ready.endpoint });
      expect(await ask(`bind http://127.0.0.1:${(fn.address() as AddressInfo).port}/invoke`)).toEqual({ ok: true });
      const keys = [benchKey(0), benchKey(1), benchKey(2), benchKey(3), `${benchKey(4)}fail`];
      await Promise.all(keys.map((key) => cos.writeObject({ bucket: BENCH_BUCKET, key, body: key })));
      // Not under the rule's prefix: no invocation.
      await cos.writeObject({ bucket: BENCH_BUCKET, key: "elsewhere/x", body: "x" });
      const idle = await ask("idle");
      expect(idle).toMatchObject({ invocations: 5, succeeded: 4, failed: 1 });
      expect(idle.mostRunning).toBeGreaterThanOrEqual(1);
      expect(idle.mostRunning).toBeLessThanOrEqual(2);
      expect(idle.firstErrors).toEqual(["the function process answered 500: refused"]);
      expect(received.map((r) => r.key).sort()).toEqual([...keys].sort());
      expect(new Set(received.map((r) => r.functionName))).toEqual(new Set(["db-sync"]));
      expect(Math.max(...received.map((r) => r.running))).toBeLessThanOrEqual(2);
      expect(await ask("requests")).toMatchObject({ PutObject: 6 });
      expect(await ask("unbind")).toEqual({ ok: true });
      await cos.writeObject({ bucket: BENCH_BUCKET, key: benchKey(5), body: "after unbind" });
      expect(await ask("idle")).toMatchObject({ invocations: 0 });
      expect(received).toHaveLength(5);
    } finally {
      cloud.kill("SIGTERM");
      fn.close();
    }
  });
});
