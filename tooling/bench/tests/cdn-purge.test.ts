import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { queueKey } from "../../../functions/cdn-purge/src/queue.ts";
import {
  type CloudStats,
  countCalls,
  lostUrls,
  throttledCalls,
  uploadKey,
  urlOf,
} from "../scenarios/cdn-purge-count.ts";
import { SCENARIOS } from "../src/index.ts";
import { type Metric, RESULT_MARKER, type ScenarioResult } from "../src/metrics.ts";

const PREFIX = ".cosfn/cdn-purge/queue/";
const stats = (over: Partial<CloudStats>): CloudStats => ({
  calls: {},
  purgedUrls: [],
  purgedPaths: [],
  used: { url: 0, path: 0 },
  cos: {},
  queued: [],
  ...over,
});

describe("the cdn-purge scenario's counting", () => {
  it("is registered with the harness", () => {
    const file = SCENARIOS["cdn-purge"]?.file as string;
    expect(existsSync(fileURLToPath(new URL(`../scenarios/${file}`, import.meta.url)))).toBe(true);
  });

  it("spreads uploads over the folders", () => {
    expect([0, 1, 100, 9_999].map((i) => uploadKey(i, 100))).toEqual([
      "bulk/f00/0.jpg",
      "bulk/f01/1.jpg",
      "bulk/f00/100.jpg",
      "bulk/f99/9999.jpg",
    ]);
    expect(urlOf("bulk/f00/0.jpg")).toBe("https://static.example.com/bulk/f00/0.jpg");
  });

  it("counts calls by action and outcome, and the throttled ones", () => {
    const seen = stats({
      calls: {
        PurgeUrlsCache: { ok: 3, RequestLimitExceeded: 2 },
        DescribePurgeQuota: { ok: 1 },
        CreatePurgeTask: { "LimitExceeded.RateLimitExceeded": 1 },
      },
    });
    expect(countCalls(seen)).toBe(7);
    expect(countCalls(seen, "PurgeUrlsCache")).toBe(5);
    expect(countCalls(seen, "PurgeUrlsCache", "ok")).toBe(3);
    expect(throttledCalls(seen)).toBe(3);
  });

  it("counts a URL as lost only when it was neither purged (as a URL or under a path) nor queued", () => {
    const keys = ["a/1.jpg", "b/2.jpg", "c/3.jpg", "d/4.jpg", "e/5.jpg"];
    const seen = stats({
      purgedUrls: [urlOf("a/1.jpg")],
      purgedPaths: ["https://static.example.com/b/"],
      queued: [
        queueKey(PREFIX, "url", urlOf("c/3.jpg"), "id-1").key,
        queueKey(PREFIX, "prefix", "https://static.example.com/d/", "id-2").key,
      ],
    });
    expect(lostUrls(keys, seen, PREFIX)).toEqual([urlOf("e/5.jpg")]);
  });
});

describe("the cdn-purge scenario, small", () => {
  it("reports queued mode's calls and quota against the demo's, and direct mode losing no URL", async () => {
    const script = fileURLToPath(new URL("../scenarios/cdn-purge.ts", import.meta.url));
    // Two instances at 10 requests a second each: together the account's 20, so retries are rare.
    const args = ["--runs", "1", "--uploads", "200", "--folders", "2", "--instances", "2", "--rate-limit", "10"];
    // Asynchronously: a synchronous spawn would block this worker, and vitest's own messages with it, for the run.
    const run = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", script, ...args, "--direct-seconds", "1"],
        { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code) || 1 : 0, stdout, stderr }),
      );
    });
    expect(run.status, run.stderr).toBe(0);
    const line = run.stdout.split("\n").find((text) => text.startsWith(RESULT_MARKER)) as string;
    const result: ScenarioResult = JSON.parse(line.slice(RESULT_MARKER.length));
    const value = (label: string) => (result.metrics.find((m: Metric) => m.label === label) as Metric).values[0];
    expect(value("demo: Cloud API calls")).toBe(200);
    expect(value("demo: URL quota spent")).toBe(200);
    // Two folders of 100 URLs: one PurgePathCache call of two paths, no URL quota spent, nothing left or lost.
    expect(value("queued: purge calls (PurgeUrlsCache + PurgePathCache)")).toBe(1);
    expect(value("queued: PurgePathCache paths")).toBe(2);
    expect(value("queued: URL quota spent")).toBe(0);
    expect(value("queued: URLs lost")).toBe(0);
    expect(value("queued: entries left in the queue")).toBe(0);
    expect(value("queued: enqueue COS PUTs per upload")).toBe(1);
    expect(value("direct: uploads invoked")).toBeGreaterThan(0);
    expect(value("direct: URLs lost")).toBe(0);
  }, 120_000);
});
