import { fileURLToPath } from "node:url";
import { camCoverage, EXAMPLE_BUCKET, invokeHandler, loadEvent, objectEvent, useTestCloud } from "@cosfn/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCdnPurge } from "./support.ts";

const ZONE = "zone-2o0i4sw5ctbq";
const policy = fileURLToPath(new URL("../cam-policy.json", import.meta.url));
const test = useTestCloud({
  cdnDomains: ["static.example.com"],
  teoZones: [{ zoneId: ZONE, hosts: ["www.example.com"] }],
});
const queueSettings = { QUEUE_BUCKET: EXAMPLE_BUCKET, PREFETCH_SUFFIXES: ".html", ESCALATE_MIN_URLS: "2" };

describe("cam-policy.json", () => {
  beforeAll(async () => {
    test.cloud.requests.clear();
    // Every kind of request, with each provider: direct purges, prefetch and a folder purge, quota reads, a quota
    // refusal queued, the queue with a key too long to hold its URL (kept in the body), the flush and its clean-up.
    const longName = `${"x".repeat(790)}.html`; // its queue key would pass 850 bytes: the URL goes in the body
    for (const [provider, domain] of [
      ["cdn", "https://static.example.com"],
      ["edgeone", "https://www.example.com"],
    ] as const) {
      const edgeone = provider === "edgeone" ? { PROVIDER: "edgeone", EDGEONE_ZONE_ID: ZONE } : {};
      const direct = await loadCdnPurge({ ...queueSettings, ...edgeone, CDN_DOMAINS: domain, PURGE_MODE: "direct" });
      await invokeHandler(direct, objectEvent(["site/index.html", "site/a.png"]));
      await invokeHandler(direct, objectEvent(["old/"], "cos:ObjectRemove:Delete"));
      const queued = await loadCdnPurge({ ...queueSettings, ...edgeone, CDN_DOMAINS: domain, PURGE_MODE: "queued" });
      await invokeHandler(queued, objectEvent(["bulk/1.png", "bulk/2.png", longName]));
      const flushed = await invokeHandler(queued, loadEvent("timer"));
      expect(flushed.records[0]).toMatchObject({ outcome: "done", detail: { entries: 4, failed: 0 } }); // 3 URLs, 1 prefetch
    }
    test.cloud.cloudApi.fail({ action: "PurgeUrlsCache", code: "LimitExceeded.CdnPurgeUrlExceedDayLimit", times: 1 });
    const direct = await loadCdnPurge({
      ...queueSettings,
      CDN_DOMAINS: "https://static.example.com",
      PURGE_MODE: "direct",
    });
    const refused = await invokeHandler(direct, objectEvent(["late/a.png"]));
    expect(refused.records[0], JSON.stringify(refused)).toMatchObject({ detail: { queuedForFlush: 1 } });
  }, 60_000);

  it("grants every action on every resource the function used, and nothing it never used", () => {
    expect(camCoverage(policy, test.cloud.requests.entries)).toEqual({ missing: [], unused: [] });
  });
});
