import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HOST_NOT_IN_ZONE, type LocalCloud, startLocalCloud, TEO_DEFAULT_QUOTAS } from "../src/index.ts";
import { apiOutcome, cloudApiClients, numberedUrls } from "./cloud-api-clients.ts";

// EdgeOne (teo 2022-09-01) through the official SDK: zones with their hosts and plan quotas, partial failures in
// FailedList, DescribeContentQuota, ZoneId "*", and the documented error codes.

let cloud: LocalCloud;
let teo: ReturnType<typeof cloudApiClients>["teo"];

const A = "zone-aaaaaaaaaaaa";
const B = "zone-bbbbbbbbbbbb";

beforeAll(async () => {
  cloud = await startLocalCloud({
    teoZones: [
      { zoneId: A, hosts: ["a.example.com", "*.img.example.com"], quotas: { purge_prefix: { batch: 3, daily: 5 } } },
      { zoneId: B, hosts: ["b.example.com"] },
      "zone-anyhost0000",
    ],
  });
  teo = cloudApiClients(cloud).teo;
});
afterAll(() => cloud.close());
afterEach(() => cloud.cloudApi.reset());

describe("EdgeOne: CreatePurgeTask", () => {
  it.each([
    ["purge_url", ["https://a.example.com/x.png", "https://cdn.img.example.com/y.png"]],
    ["purge_prefix", ["https://a.example.com/dir/"]],
    ["purge_host", ["a.example.com"]],
  ] as const)("%s purges the zone's targets and spends its quota", async (Type, Targets) => {
    const answer = await teo.CreatePurgeTask({ ZoneId: A, Type, Method: "delete", Targets: [...Targets] });
    expect(answer.JobId).toBeTruthy();
    expect(answer.FailedList).toEqual([]);
    expect(cloud.cloudApi.usedByZone(A, Type)).toBe(Targets.length);
  });

  it("purge_all needs no Targets and spends one of purge_all", async () => {
    await teo.CreatePurgeTask({ ZoneId: A, Type: "purge_all" });
    expect(cloud.cloudApi.usedByZone(A, "purge_all")).toBe(1);
  });

  it("purge_cache_tag purges tags of the zone's CacheTag.Domains", async () => {
    await teo.CreatePurgeTask({
      ZoneId: A,
      Type: "purge_cache_tag",
      Targets: ["tag1", "tag2"],
      CacheTag: { Domains: ["a.example.com"] },
    });
    expect(cloud.cloudApi.usedByZone(A, "purge_cache_tag")).toBe(2);
  });

  it("accepts the deprecated EncodeUrl and records the call's parameters", async () => {
    const params = { ZoneId: A, Type: "purge_url", Targets: ["https://a.example.com/中文.png"], EncodeUrl: true };
    await teo.CreatePurgeTask(params);
    expect(cloud.cloudApi.calls.at(-1)).toMatchObject({ service: "teo", action: "CreatePurgeTask", params });
  });

  it("targets on hosts the zone does not serve fail in FailedList; the others succeed and only they spend quota", async () => {
    const answer = await teo.CreatePurgeTask({
      ZoneId: A,
      Type: "purge_url",
      Targets: ["https://a.example.com/1", "https://b.example.com/2", "https://elsewhere.example.org/3"],
    });
    expect(answer.FailedList).toEqual([
      { Reason: HOST_NOT_IN_ZONE, Targets: ["https://b.example.com/2", "https://elsewhere.example.org/3"] },
    ]);
    expect(cloud.cloudApi.usedByZone(A, "purge_url")).toBe(1);
    expect(cloud.cloudApi.calls.at(-1)?.error).toBeUndefined();
  });

  it("failTargets makes chosen targets fail partially, grouped by reason, a number of times", async () => {
    cloud.cloudApi.failTargets(/\/busy\//, { reason: "the task system is busy", times: 2 });
    const answer = await teo.CreatePurgeTask({
      ZoneId: A,
      Type: "purge_url",
      Targets: [
        "https://a.example.com/busy/1",
        "https://a.example.com/ok",
        "https://a.example.com/busy/2",
        "https://a.example.com/busy/3",
      ],
    });
    expect(answer.FailedList).toEqual([
      { Reason: "the task system is busy", Targets: ["https://a.example.com/busy/1", "https://a.example.com/busy/2"] },
    ]);
    expect(cloud.cloudApi.usedByZone(A, "purge_url")).toBe(2);
  });

  it('ZoneId "*" sends each target to the zone serving its host and spends that zone\'s quota', async () => {
    const answer = await teo.CreatePurgeTask({
      ZoneId: "*",
      Type: "purge_url",
      Targets: [
        "https://a.example.com/1",
        "https://b.example.com/2",
        "https://b.example.com/3",
        "https://nobody.example.com/4",
      ],
    });
    expect(answer.FailedList).toEqual([{ Reason: HOST_NOT_IN_ZONE, Targets: ["https://nobody.example.com/4"] }]);
    expect([cloud.cloudApi.usedByZone(A, "purge_url"), cloud.cloudApi.usedByZone(B, "purge_url")]).toEqual([1, 2]);
  });

  it("a zone given by its id alone serves any host", async () => {
    const answer = await teo.CreatePurgeTask({
      ZoneId: "zone-anyhost0000",
      Type: "purge_url",
      Targets: ["https://x.test/a"],
    });
    expect(answer.FailedList).toEqual([]);
  });
});

describe("EdgeOne: quotas", () => {
  it("more targets than the batch quota is LimitExceeded.BatchQuota, counting the targets that would fail", async () => {
    const targets = [...numberedUrls("https://a.example.com/d", 3, "/"), "https://b.example.com/d/"];
    expect(await apiOutcome(teo.CreatePurgeTask({ ZoneId: A, Type: "purge_prefix", Targets: targets }))).toBe(
      "LimitExceeded.BatchQuota",
    );
    expect(cloud.cloudApi.usedByZone(A, "purge_prefix")).toBe(0);
  });

  it("past the daily quota is LimitExceeded.DailyQuota and the call spends nothing", async () => {
    await teo.CreatePurgeTask({
      ZoneId: A,
      Type: "purge_prefix",
      Targets: numberedUrls("https://a.example.com/d", 3, "/"),
    });
    expect(
      await apiOutcome(
        teo.CreatePurgeTask({
          ZoneId: A,
          Type: "purge_prefix",
          Targets: numberedUrls("https://a.example.com/e", 3, "/"),
        }),
      ),
    ).toBe("LimitExceeded.DailyQuota");
    expect(cloud.cloudApi.usedByZone(A, "purge_prefix")).toBe(3);
    // Targets in FailedList do not count against the daily quota.
    const answer = await teo.CreatePurgeTask({
      ZoneId: A,
      Type: "purge_prefix",
      Targets: ["https://a.example.com/f/", "https://a.example.com/g/", "https://b.example.com/h/"],
    });
    expect(answer.FailedList?.[0]?.Targets).toEqual(["https://b.example.com/h/"]);
    expect(cloud.cloudApi.usedByZone(A, "purge_prefix")).toBe(5);
  });

  it("DescribeContentQuota answers PurgeQuota and PrefetchQuota with what is left today", async () => {
    await teo.CreatePurgeTask({ ZoneId: A, Type: "purge_url", Targets: numberedUrls("https://a.example.com/", 4) });
    await teo.CreatePrefetchTask({ ZoneId: A, Targets: ["https://a.example.com/p"] });
    const quota = await teo.DescribeContentQuota({ ZoneId: A });
    expect(quota.PurgeQuota).toEqual([
      { Type: "purge_url", Batch: 1000, Daily: 10_000, DailyAvailable: 9996 },
      { Type: "purge_prefix", Batch: 3, Daily: 5, DailyAvailable: 5 },
      { Type: "purge_host", ...available(TEO_DEFAULT_QUOTAS.purge_host) },
      { Type: "purge_all", ...available(TEO_DEFAULT_QUOTAS.purge_all) },
      { Type: "purge_cache_tag", ...available(TEO_DEFAULT_QUOTAS.purge_cache_tag) },
    ]);
    expect(quota.PrefetchQuota).toEqual([{ Type: "prefetch_url", Batch: 1000, Daily: 10_000, DailyAvailable: 9999 }]);
  });
});

function available(quota: { batch: number; daily: number }) {
  return { Batch: quota.batch, Daily: quota.daily, DailyAvailable: quota.daily };
}

describe("EdgeOne: CreatePrefetchTask", () => {
  it("prefetches (Mode default) with Headers, spending prefetch_url", async () => {
    const answer = await teo.CreatePrefetchTask({
      ZoneId: B,
      Targets: ["https://b.example.com/a.mp4", "https://a.example.com/b.mp4"],
      Headers: [{ Name: "X-Token", Value: "t" }],
    });
    expect(answer.FailedList).toEqual([{ Reason: HOST_NOT_IN_ZONE, Targets: ["https://a.example.com/b.mp4"] }]);
    expect(cloud.cloudApi.usedByZone(B, "prefetch_url")).toBe(1);
  });

  it("Mode edge spends edge prefetching's own quota, not prefetch_url", async () => {
    await teo.CreatePrefetchTask({ ZoneId: B, Targets: ["https://b.example.com/a"], Mode: "edge" });
    expect([cloud.cloudApi.usedByZone(B, "prefetch_url"), cloud.cloudApi.usedByZone(B, "prefetch_edge")]).toEqual([
      0, 1,
    ]);
  });
});

describe("EdgeOne: errors", () => {
  const url = ["https://a.example.com/x"];
  it.each([
    [
      "an unknown zone",
      () => teo.CreatePurgeTask({ ZoneId: "zone-nope", Type: "purge_url", Targets: url }),
      "InvalidParameter.ZoneNotFound",
    ],
    [
      "an unknown zone for a prefetch",
      () => teo.CreatePrefetchTask({ ZoneId: "zone-nope", Targets: url }),
      "InvalidParameter.ZoneNotFound",
    ],
    [
      "an unknown zone's quota",
      () => teo.DescribeContentQuota({ ZoneId: "zone-nope" }),
      "InvalidParameter.ZoneNotFound",
    ],
    [
      'purge_all with ZoneId "*"',
      () => teo.CreatePurgeTask({ ZoneId: "*", Type: "purge_all" }),
      "InvalidParameter.ParameterError",
    ],
    [
      "an unknown Type",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_everything", Targets: url }),
      "InvalidParameter.ParameterError",
    ],
    [
      "an unknown Method",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_url", Method: "flush", Targets: url }),
      "InvalidParameter.ParameterError",
    ],
    [
      "no Targets",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_url", Targets: [] }),
      "InvalidParameter.ParameterError",
    ],
    ["no ZoneId", () => teo.CreatePurgeTask({ Type: "purge_url", Targets: url } as never), "MissingParameter"],
    [
      "a URL without scheme",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_url", Targets: ["a.example.com/x"] }),
      "InvalidParameter.Target",
    ],
    [
      "a prefix without scheme",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_prefix", Targets: ["/dir/"] }),
      "InvalidParameter.Target",
    ],
    [
      "a purge_host target with a scheme",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_host", Targets: ["https://a.example.com"] }),
      "InvalidParameter.Target",
    ],
    [
      "a wildcard purge_host target",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_host", Targets: ["*.img.example.com"] }),
      "InvalidParameter.Target",
    ],
    [
      "a prefetch target without scheme",
      () => teo.CreatePrefetchTask({ ZoneId: A, Targets: ["a.example.com/x"] }),
      "InvalidParameter.Target",
    ],
    [
      "purge_cache_tag without CacheTag",
      () => teo.CreatePurgeTask({ ZoneId: A, Type: "purge_cache_tag", Targets: ["t"] }),
      "InvalidParameter.ParameterError",
    ],
    [
      "purge_cache_tag on a domain not in the zone",
      () =>
        teo.CreatePurgeTask({
          ZoneId: A,
          Type: "purge_cache_tag",
          Targets: ["t"],
          CacheTag: { Domains: ["b.example.com"] },
        }),
      "InvalidParameter.HostNotFound",
    ],
    [
      "an unknown prefetch Mode",
      () => teo.CreatePrefetchTask({ ZoneId: A, Targets: url, Mode: "everywhere" }),
      "InvalidParameter.ParameterError",
    ],
    [
      "malformed prefetch Headers",
      () => teo.CreatePrefetchTask({ ZoneId: A, Targets: url, Headers: [{ Name: "X" } as never] }),
      "InvalidParameter.ParameterError",
    ],
  ])("%s", async (_, call, code) => {
    expect(await apiOutcome(call())).toBe(code);
    expect(cloud.cloudApi.calls.at(-1)?.error).toBe(code);
    for (const type of [
      "purge_url",
      "purge_prefix",
      "purge_host",
      "purge_all",
      "purge_cache_tag",
      "prefetch_url",
    ] as const) {
      expect(cloud.cloudApi.usedByZone(A, type)).toBe(0);
    }
  });
});
