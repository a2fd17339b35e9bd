import { EXAMPLE_BUCKET, invokeHandler, loadEvent, objectEvent, useTestCloud } from "@cosfn/testing";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadCdnPurge, type MainHandler } from "./support.ts";

const QUEUE = ".cosfn/cdn-purge/queue/";
const test = useTestCloud({ cdnDomains: ["static.example.com"] });
let main: MainHandler;
beforeAll(async () => {
  main = await loadCdnPurge({
    CDN_DOMAINS: "static.example.com",
    PURGE_MODE: "queued",
    QUEUE_BUCKET: EXAMPLE_BUCKET,
    ESCALATE_MIN_URLS: "100",
  });
});
beforeEach(() => {
  test.cloud.cloudApi.reset();
  test.cloud.faults.clear();
});

const queued = () => test.cloud.store.list(EXAMPLE_BUCKET, { prefix: QUEUE, maxKeys: 100_000 }).objects;
const purgeCalls = () => test.cloud.cloudApi.calls.filter((call) => call.action.startsWith("Purge") && !call.error);
const purgedUrls = () => purgeCalls().flatMap((call) => (call.params.Urls ?? call.params.Paths ?? []) as string[]);
const flush = () => invokeHandler(main, loadEvent("timer"), { time_limit_in_ms: 300_000 });

describe("queued mode", () => {
  it("queues each record's URLs without calling the CDN, and the flush purges them once, in one call, then empties the queue", async () => {
    const keys = ["a/1.png", "a/2.png", "a/1.png", "b/index.html"];
    const summary = await invokeHandler(main, objectEvent(keys));
    expect(summary).toMatchObject({ processed: 4, failed: 0 });
    expect(test.cloud.cloudApi.calls).toEqual([]);
    // The two records of a/1.png are one record (same request, same id): one entry.
    expect(queued()).toHaveLength(5);

    const flushed = await flush();
    expect(flushed.records[0]).toMatchObject({
      eventName: "timer:flush",
      outcome: "done",
      detail: { entries: 5, urlsPurged: 5, dequeued: 5, deferred: 0, failed: 0 },
    });
    expect(purgeCalls()).toHaveLength(1);
    expect(purgedUrls().sort()).toEqual([
      "https://static.example.com/a/1.png",
      "https://static.example.com/a/2.png",
      "https://static.example.com/b",
      "https://static.example.com/b/",
      "https://static.example.com/b/index.html",
    ]);
    expect(queued()).toEqual([]);
  });

  it("loses no URL when it crashes between the purge and the queue's cleanup: the next flush purges again", async () => {
    await invokeHandler(main, objectEvent(["crash/1.png", "crash/2.png"]));
    test.cloud.faults.add({ fault: { kind: "reset" }, method: "POST", pattern: /\?delete/ });
    const failed = await flush().catch((error) => error);
    expect(failed.records?.[0]?.outcome ?? "threw").not.toBe("done");
    expect(purgedUrls().sort()).toEqual([
      "https://static.example.com/crash/1.png",
      "https://static.example.com/crash/2.png",
    ]);
    expect(queued()).toHaveLength(2);
    test.cloud.faults.clear();
    await flush();
    expect(purgedUrls().filter((url) => url.includes("/crash/"))).toHaveLength(4);
    expect(queued()).toEqual([]);
  });

  it("10,000 uploads under 100 folders: at most ceil(unique URLs / 1000) calls, fewer with escalation, within the day's quota", async () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `bulk/f${String(i % 100).padStart(2, "0")}/${i}.jpg`);
    for (let at = 0; at < keys.length; at += 100) {
      const summary = await invokeHandler(main, objectEvent(keys.slice(at, at + 100)));
      expect(summary.failed).toBe(0);
    }
    expect(test.cloud.cloudApi.calls).toEqual([]);
    expect(queued()).toHaveLength(10_000);
    const summary = await flush();
    expect(summary.records[0]?.outcome).toBe("done");
    // Every folder has 100 URLs: each is one prefix purge, all in one PurgePathCache call.
    const calls = purgeCalls();
    expect(calls.map((call) => call.action)).toEqual(["PurgePathCache"]);
    expect(calls[0]?.params.Paths).toHaveLength(100);
    expect(test.cloud.cloudApi.used("path:mainland")).toBe(100);
    expect(queued()).toEqual([]);
  }, 180_000);
  it("leaves what today's quota cannot take for the next flush, never exceeding it", async () => {
    await invokeHandler(main, objectEvent(Array.from({ length: 30 }, (_, i) => `q${i % 3}/${i}.png`)));
    // 20 URLs a day, and no prefix purges: read by the flush from DescribePurgeQuota.
    test.cloud.cloudApi.setCdnLimits({ urlDay: 20, pathDay: 0 });
    const summary = await flush();
    expect(test.cloud.cloudApi.used("url:mainland")).toBe(20);
    expect(test.cloud.cloudApi.calls.filter((call) => call.error)).toEqual([]);
    expect(summary.records[0]?.detail).toMatchObject({ entries: 30, urlsPurged: 20, deferred: 10 });
    expect(queued()).toHaveLength(10);
  });
});
