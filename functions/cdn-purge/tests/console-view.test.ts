import { createCosClient } from "@cosfn/cos";
import { EXAMPLE_BUCKET, invokeHandler, loadEvent, objectEvent, useTestCloud } from "@cosfn/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { consoleView, PURGED_COLUMNS, QUEUED_COLUMNS } from "../src/console-view.ts";
import { loadCdnPurge } from "./support.ts";

/**
 * cdn-purge's view in the local console: the function run against the local cloud (its Cloud API recording the
 * calls), then the view loaded as `cosfn dev` loads it: the queue's targets, and the purges sent.
 */
const ZONE = "zone-2o0i4sw5ctbq";
const test = useTestCloud({
  cdnDomains: ["static.example.com", "cdn.example.org"],
  teoZones: [{ zoneId: ZONE, hosts: ["www.example.com"] }],
});
beforeEach(() => test.cloud.cloudApi.reset());

const view = (env: Record<string, string>) =>
  consoleView({
    env,
    cos: () => createCosClient({ region: "ap-guangzhou" }),
    cloudApiCalls: () => test.cloud.cloudApi.calls,
  });
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe("cdn-purge's console view", () => {
  it("direct mode: nothing queued, and each purge call by domain with its URLs, newest first", async () => {
    const env = { CDN_DOMAINS: "https://static.example.com,http://cdn.example.org", PURGE_MODE: "direct" };
    const main = await loadCdnPurge(env);
    await invokeHandler(main, objectEvent(["img/a b.png"]));
    await invokeHandler(main, objectEvent(["docs/"], "cos:ObjectRemove:Delete"));

    const data = await view(env).load();
    expect(data.sections).toEqual([
      {
        title: "Queued",
        note: "PURGE_MODE=direct without QUEUE_BUCKET: nothing is queued, each invocation purges at once",
        columns: [],
        rows: [],
      },
      {
        title: "Purged",
        note: "4 rows (one per call and domain), the newest first, as the local cloud's Cloud API recorded them",
        columns: PURGED_COLUMNS,
        rows: [
          [ISO, "CDN", "PurgePathCache", "https://static.example.com", "https://static.example.com/docs/", "ok"],
          [ISO, "CDN", "PurgePathCache", "http://cdn.example.org", "http://cdn.example.org/docs/", "ok"],
          [
            ISO,
            "CDN",
            "PurgeUrlsCache",
            "https://static.example.com",
            "https://static.example.com/img/a%20b.png",
            "ok",
          ],
          [ISO, "CDN", "PurgeUrlsCache", "http://cdn.example.org", "http://cdn.example.org/img/a%20b.png", "ok"],
        ],
      },
    ]);
    const times = data.sections[1]?.rows.map((row) => row[0] as string) ?? [];
    expect([...times].sort().reverse()).toEqual(times);
  });

  it("queued mode: the queue's targets (one row per target, its entries counted) until the flush purges them", async () => {
    const env = { CDN_DOMAINS: "static.example.com", PURGE_MODE: "queued", QUEUE_BUCKET: EXAMPLE_BUCKET };
    const main = await loadCdnPurge(env);
    await invokeHandler(main, objectEvent(["site/a.png"]));
    // Another change of site/a.png (another record id): a second entry for the same target.
    await invokeHandler(main, objectEvent(["site/a.png", "site/测试.css"], "cos:ObjectCreated:Copy"));

    const queued = await view(env).load();
    expect(queued.sections[0]).toEqual({
      title: "Queued",
      note: `2 targets in ${EXAMPLE_BUCKET} under .cosfn/cdn-purge/queue/, the most recently queued first; the next flush (the timer) purges them`,
      columns: QUEUED_COLUMNS,
      rows: expect.any(Array),
    });
    // Both were last queued by the second invocation, within a millisecond or two: compared by target.
    const rows = queued.sections[0]?.rows ?? [];
    expect([...rows].sort((a, b) => String(a[1]).localeCompare(String(b[1])))).toEqual([
      ["url", "https://static.example.com/site/%E6%B5%8B%E8%AF%95.css", ISO, 1],
      ["url", "https://static.example.com/site/a.png", ISO, 2],
    ]);
    expect(rows.map((row) => row[2])).toEqual(
      rows
        .map((row) => row[2])
        .sort()
        .reverse(),
    );
    expect(queued.sections[1]?.rows).toEqual([]);

    await invokeHandler(main, loadEvent("timer"), { time_limit_in_ms: 300_000 });
    const flushed = await view(env).load();
    expect(flushed.sections[0]).toMatchObject({ note: expect.stringMatching(/^0 targets in /), rows: [] });
    expect(flushed.sections[1]?.rows).toEqual([
      [
        ISO,
        "CDN",
        "PurgeUrlsCache",
        "https://static.example.com",
        expect.stringMatching(/^https:\/\/static\.example\.com\/site\/\S+\nhttps:\/\/static\.example\.com\/site\/\S+$/),
        "ok",
      ],
    ]);
    expect(((flushed.sections[1]?.rows[0]?.[4] as string) ?? "").split("\n").sort()).toEqual([
      "https://static.example.com/site/%E6%B5%8B%E8%AF%95.css",
      "https://static.example.com/site/a.png",
    ]);
  });

  it("EdgeOne: the task's type beside the action, and a refused call's error as its outcome", async () => {
    const env = { PROVIDER: "edgeone", EDGEONE_ZONE_ID: ZONE, CDN_DOMAINS: "https://www.example.com" };
    const main = await loadCdnPurge(env);
    test.cloud.cloudApi.fail({ action: "teo:CreatePurgeTask", code: "UnauthorizedOperation.NoPermission", times: 1 });
    await invokeHandler(main, objectEvent(["refused.png"]));
    await invokeHandler(main, objectEvent(["purged.png"]));
    const data = await view(env).load();
    expect(data.sections[1]?.rows).toEqual([
      [
        ISO,
        "EdgeOne",
        "CreatePurgeTask (purge_url)",
        "https://www.example.com",
        "https://www.example.com/purged.png",
        "ok",
      ],
      [
        ISO,
        "EdgeOne",
        "CreatePurgeTask (purge_url)",
        "https://www.example.com",
        "https://www.example.com/refused.png",
        "failed: UnauthorizedOperation.NoPermission",
      ],
    ]);
  });

  it("says why when the settings are not valid, and still shows the purges", async () => {
    const data = await view({ PURGE_MODE: "queued" }).load();
    expect(data.sections[0]?.note).toMatch(/^cdn-purge's settings are not valid: /);
    expect(data.sections[1]).toMatchObject({ title: "Purged", rows: [] });
  });
});
