import { EXAMPLE_BUCKET, invokeHandler, loadEvent, objectEvent, useTestCloud } from "@cosfn/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { loadCdnPurge, type MainHandler } from "./support.ts";

const ZONE = "zone-2o0i4sw5ctbq";
const test = useTestCloud({ teoZones: [{ zoneId: ZONE, hosts: ["www.example.com"] }] });
let main: MainHandler;
beforeAll(async () => {
  main = await loadCdnPurge({
    PROVIDER: "edgeone",
    EDGEONE_ZONE_ID: ZONE,
    CDN_DOMAINS: "https://www.example.com",
    PURGE_MODE: "queued",
    QUEUE_BUCKET: EXAMPLE_BUCKET,
    ESCALATE_MIN_URLS: "3",
  });
});

describe("EdgeOne", () => {
  it("flushes the queue with CreatePurgeTask: URLs as purge_url, a folder of many as purge_prefix, Method invalidate", async () => {
    await invokeHandler(main, objectEvent(["many/1.png", "many/2.png", "many/3.png", "one/a.css"]));
    await invokeHandler(main, objectEvent(["gone/"], "cos:ObjectRemove:Delete"));
    const summary = await invokeHandler(main, loadEvent("timer"));
    expect(summary.records[0]).toMatchObject({ outcome: "done", detail: { entries: 5, dequeued: 5, failed: 0 } });
    const tasks = test.cloud.cloudApi.calls.filter((call) => call.action === "CreatePurgeTask" && !call.error);
    const byType = Object.fromEntries(tasks.map((call) => [call.params.Type, call.params]));
    expect(byType.purge_url).toMatchObject({ ZoneId: ZONE, Targets: ["https://www.example.com/one/a.css"] });
    // invalidate is the API's default Method: sent as it is, or left out.
    expect(byType.purge_url?.Method ?? "invalidate").toBe("invalidate");
    expect([...((byType.purge_prefix?.Targets ?? []) as string[])].sort()).toEqual([
      "https://www.example.com/gone/",
      "https://www.example.com/many/",
    ]);
    expect(test.cloud.store.list(EXAMPLE_BUCKET, { prefix: ".cosfn/cdn-purge/queue/" }).objects).toEqual([]);
  });
});
