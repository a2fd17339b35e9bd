import { EXAMPLE_BUCKET, invokeHandler, objectEvent, useTestCloud } from "@cosfn/testing";
import { Client } from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_client.js";
import { beforeAll, describe, expect, it } from "vitest";
import { cloudApiClientConfig } from "../src/providers/cloud-api-client.ts";
import { loadCdnPurge, type MainHandler } from "./support.ts";

const test = useTestCloud({
  cdnDomains: ["static.example.com", "cdn.example.org", { domain: "moved.example.com", migrated: true }],
});
let main: MainHandler;
beforeAll(async () => {
  main = await loadCdnPurge({
    CDN_DOMAINS: "https://static.example.com,http://cdn.example.org",
    QUEUE_BUCKET: EXAMPLE_BUCKET,
    PREFETCH_SUFFIXES: ".html",
  });
});

const calls = (action: string) => test.cloud.cloudApi.calls.filter((call) => call.action === action && !call.error);

describe("direct mode", () => {
  it("purges the URLs of every record of an event on every domain, in one call", async () => {
    test.cloud.cloudApi.reset();
    const summary = await invokeHandler(main, objectEvent(["img/a b.png", "img/测试.png", "img/a b.png"]));
    expect(summary).toMatchObject({ processed: 3, failed: 0 });
    const purges = calls("PurgeUrlsCache");
    expect(purges).toHaveLength(1);
    expect(purges[0]?.params).toMatchObject({ Area: "mainland", UrlEncode: false });
    expect([...((purges[0]?.params.Urls ?? []) as string[])].sort()).toEqual([
      "http://cdn.example.org/img/%E6%B5%8B%E8%AF%95.png",
      "http://cdn.example.org/img/a%20b.png",
      "https://static.example.com/img/%E6%B5%8B%E8%AF%95.png",
      "https://static.example.com/img/a%20b.png",
    ]);
    expect(summary.records[0]?.detail).toEqual({ purged: 2 });
  });

  it("purges an index document's folder, and prefetches the suffixes asked for once purged", async () => {
    test.cloud.cloudApi.reset();
    await invokeHandler(main, objectEvent(["docs/index.html"]));
    expect(calls("PurgeUrlsCache")[0]?.params.Urls).toEqual([
      "https://static.example.com/docs/index.html",
      "https://static.example.com/docs/",
      "https://static.example.com/docs",
      "http://cdn.example.org/docs/index.html",
      "http://cdn.example.org/docs/",
      "http://cdn.example.org/docs",
    ]);
    expect(calls("PushUrlsCache")[0]?.params.Urls).toEqual([
      "https://static.example.com/docs/index.html",
      "http://cdn.example.org/docs/index.html",
    ]);
  });

  it("purges a deleted folder as a path purge and a deleted object as a URL purge", async () => {
    test.cloud.cloudApi.reset();
    await invokeHandler(main, objectEvent(["old/", "img/x.png"], "cos:ObjectRemove:Delete"));
    expect(calls("PurgePathCache")[0]?.params).toMatchObject({
      Paths: ["https://static.example.com/old/", "http://cdn.example.org/old/"],
      FlushType: "flush",
    });
    expect(calls("PurgeUrlsCache")[0]?.params.Urls).toEqual([
      "https://static.example.com/img/x.png",
      "http://cdn.example.org/img/x.png",
    ]);
  });

  it("skips its own queue, and objects it cannot serve", async () => {
    test.cloud.cloudApi.reset();
    const summary = await invokeHandler(main, objectEvent([".cosfn/cdn-purge/queue/u/https/x/y", "img/new/"]));
    expect(summary).toMatchObject({ processed: 0, skipped: 2 });
    expect(test.cloud.cloudApi.calls).toEqual([]);
  });

  it("queues the URLs a daily quota refuses, for the flush: none is lost", async () => {
    test.cloud.cloudApi.reset();
    test.cloud.cloudApi.fail({ action: "PurgeUrlsCache", code: "LimitExceeded.CdnPurgeUrlExceedDayLimit", times: 99 });
    const summary = await invokeHandler(main, objectEvent(["late/a.png"]));
    expect(summary).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.records[0]?.detail).toEqual({ purged: 0, queuedForFlush: 2 });
    const queued = test.cloud.store
      .list(EXAMPLE_BUCKET, { prefix: ".cosfn/cdn-purge/queue/" })
      .objects.map((o) => o.key);
    expect(queued.map((key) => key.slice(0, key.lastIndexOf("/")))).toEqual([
      ".cosfn/cdn-purge/queue/u/http/cdn.example.org/late/a.png",
      ".cosfn/cdn-purge/queue/u/https/static.example.com/late/a.png",
    ]);
    expect(test.cloud.store.head(EXAMPLE_BUCKET, queued[0] as string)?.meta).toMatchObject({
      "x-cos-meta-cosfn-function": "cdn-purge",
    });
  });

  it("queues what throttling kept from every try, instead of leaving it to SCF's two retries", async () => {
    test.cloud.cloudApi.reset();
    test.cloud.cloudApi.fail({ action: "PurgeUrlsCache", code: "RequestLimitExceeded", times: 99 });
    const summary = await invokeHandler(main, objectEvent(["busy/a.png"]));
    expect(summary).toMatchObject({ processed: 1, failed: 0 });
    expect(summary.records[0]?.detail).toEqual({ purged: 0, queuedForFlush: 2 });
    const throttled = test.cloud.cloudApi.calls.filter((call) => call.error === "RequestLimitExceeded");
    expect(throttled.length).toBeGreaterThan(1);
    const queued = test.cloud.store.list(EXAMPLE_BUCKET, { prefix: ".cosfn/cdn-purge/queue/u/" }).objects;
    expect(queued.map((o) => o.key).filter((key) => key.includes("/busy/a.png/"))).toHaveLength(2);
  }, 60_000);

  it("fails the record, permanently, naming the domain, when the CDN does not know it", async () => {
    test.cloud.cloudApi.reset();
    const other = await loadCdnPurge({ CDN_DOMAINS: "https://unknown.example.net", QUEUE_BUCKET: "" });
    const summary = await invokeHandler(other, objectEvent(["img/a.png"]));
    expect(summary.records[0]).toMatchObject({
      outcome: "failed",
      error: { code: "ResourceNotFound.CdnHostNotExists", retryable: false },
    });
    expect(summary.records[0]?.error?.message).toContain("unknown.example.net");
  });

  it("says what to do for a domain migrated to EdgeOne", async () => {
    test.cloud.cloudApi.reset();
    const other = await loadCdnPurge({ CDN_DOMAINS: "https://moved.example.com", QUEUE_BUCKET: "" });
    const summary = await invokeHandler(other, objectEvent(["img/a.png"]));
    expect(summary.records[0]?.error?.code).toBe("OperationDenied.ProductUpgraded");
    expect(summary.records[0]?.error?.message).toMatch(/EdgeOne/);
  });
});

describe("direct mode under the account's rate", () => {
  it("two warm instances sharing the account's 20 requests a second purge every URL, retrying the throttled calls", async () => {
    test.cloud.cloudApi.reset();
    test.cloud.cloudApi.throttle(20, { service: "cdn" });
    const settings = { CDN_DOMAINS: "https://static.example.com", QUEUE_BUCKET: "" };
    const first = await loadCdnPurge(settings);
    const second = await loadCdnPurge(settings);
    const keys = Array.from({ length: 80 }, (_, i) => `rate/${i}.png`);
    // Each instance invokes one after another (one call each): together they ask for twice the account's rate.
    // An invocation that still fails retryably after the function's own retries throws, and SCF retries it (at
    // most twice), as here.
    const run = async (main: MainHandler, mine: string[]) => {
      const out = [];
      for (const key of mine) {
        let summary = await invokeHandler(main, objectEvent([key]));
        for (let retry = 0; retry < 2 && summary.records[0]?.error?.retryable; retry++)
          summary = await invokeHandler(main, objectEvent([key]));
        out.push(summary);
      }
      return out;
    };
    // Another client of the account has just spent this second's 20 requests, so the instances' first calls are
    // throttled whatever the machine's speed (on a slow machine the two alone may stay under 20 a second).
    const otherClient = new Client(
      cloudApiClientConfig({
        credentials: {
          secretId: test.env.TENCENTCLOUD_SECRETID as string,
          secretKey: test.env.TENCENTCLOUD_SECRETKEY as string,
        },
        host: "cdn.tencentcloudapi.com",
        endpoint: test.env.COSFN_CLOUD_API_ENDPOINT,
      }),
    );
    await Promise.all(Array.from({ length: 20 }, () => otherClient.DescribePurgeQuota()));
    const summaries = (await Promise.all([run(first, keys.slice(0, 40)), run(second, keys.slice(40))])).flat();
    expect(summaries.map((summary) => summary.failed)).toEqual(keys.map(() => 0));
    const throttled = test.cloud.cloudApi.calls.filter((call) => call.error === "RequestLimitExceeded");
    expect(throttled.length).toBeGreaterThan(0);
    const purged = calls("PurgeUrlsCache").flatMap((call) => call.params.Urls as string[]);
    expect(new Set(purged)).toEqual(new Set(keys.map((key) => `https://static.example.com/${key}`)));
  }, 60_000);
});
