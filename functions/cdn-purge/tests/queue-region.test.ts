import { EXAMPLE_BUCKET, invokeHandler, loadEvent, objectEvent, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { loadCdnPurge } from "./support.ts";

const QUEUE = ".cosfn/cdn-purge/queue/";
// The queue's bucket in ap-guangzhou (the function's region in these invocations); a site bucket in ap-shanghai,
// and a queue bucket there for QUEUE_REGION.
const SITE = "sitesh-1250000000";
const SHANGHAI_QUEUE = "queuesh-1250000000";
const test = useTestCloud({
  cdnDomains: ["static.example.com"],
  buckets: [EXAMPLE_BUCKET, { name: SITE, region: "ap-shanghai" }, { name: SHANGHAI_QUEUE, region: "ap-shanghai" }],
});

const queued = (bucket: string) =>
  test.cloud.store.list(bucket, { prefix: QUEUE, maxKeys: 1000 }).objects.map((object) => object.key);
const uploads = (keys: string[]) => objectEvent(keys, "cos:ObjectCreated:Put", { bucket: SITE, region: "ap-shanghai" });

describe("the queue's region", () => {
  it("is the function's own by default, whatever region a record comes from, and the flush reads it there", async () => {
    const main = await loadCdnPurge({
      CDN_DOMAINS: "static.example.com",
      PURGE_MODE: "queued",
      QUEUE_BUCKET: EXAMPLE_BUCKET,
    });
    const summary = await invokeHandler(main, uploads(["sh/a.png"]), { tencentcloud_region: "ap-guangzhou" });
    expect(summary).toMatchObject({ processed: 1, failed: 0 });
    expect(queued(EXAMPLE_BUCKET)).toEqual([expect.stringContaining("static.example.com/sh/a.png")]);

    test.cloud.cloudApi.reset();
    const flushed = await invokeHandler(main, loadEvent("timer"), { tencentcloud_region: "ap-guangzhou" });
    expect(flushed).toMatchObject({ failed: 0 });
    const purged = test.cloud.cloudApi.calls.filter((call) => call.action === "PurgeUrlsCache" && !call.error);
    expect(purged.flatMap((call) => call.params.Urls as string[])).toEqual(["https://static.example.com/sh/a.png"]);
    expect(queued(EXAMPLE_BUCKET)).toEqual([]);
  });

  it("is QUEUE_REGION's when set", async () => {
    const main = await loadCdnPurge({
      CDN_DOMAINS: "static.example.com",
      PURGE_MODE: "queued",
      QUEUE_BUCKET: SHANGHAI_QUEUE,
      QUEUE_REGION: "ap-shanghai",
    });
    const summary = await invokeHandler(main, uploads(["sh/b.png"]), { tencentcloud_region: "ap-guangzhou" });
    expect(summary).toMatchObject({ processed: 1, failed: 0 });
    expect(queued(SHANGHAI_QUEUE)).toEqual([expect.stringContaining("static.example.com/sh/b.png")]);
  });

  it("refuses a QUEUE_REGION that is not a region, naming the setting", async () => {
    const main = await loadCdnPurge({
      CDN_DOMAINS: "static.example.com",
      PURGE_MODE: "queued",
      QUEUE_BUCKET: EXAMPLE_BUCKET,
      QUEUE_REGION: "Shanghai",
    });
    await expect(invokeHandler(main, uploads(["sh/c.png"]))).rejects.toThrow(/QUEUE_REGION/);
  });
});
