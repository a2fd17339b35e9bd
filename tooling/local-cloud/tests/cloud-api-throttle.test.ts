import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CloudApiError, type LocalCloud, REAL_RATE_LIMIT, startLocalCloud } from "../src/index.ts";
import { apiOutcome, cloudApiClients } from "./cloud-api-clients.ts";

// Requests per second: throttle() per service or per action, the code answered, and the real limits on at start.

const URL = { Urls: ["https://static.example.com/a"] };
const TARGET = { ZoneId: "zone-2o0i4sw5ctbq", Type: "purge_url", Targets: ["https://static.example.com/a"] };

/** The outcomes of `count` calls sent at once, sorted: `ok` and error codes. */
async function burst(count: number, call: () => Promise<unknown>): Promise<Record<string, number>> {
  const outcomes = await Promise.all(Array.from({ length: count }, () => apiOutcome(call())));
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

describe("throttle()", () => {
  let cloud: LocalCloud;
  let clients: ReturnType<typeof cloudApiClients>;
  beforeAll(async () => {
    cloud = await startLocalCloud();
    clients = cloudApiClients(cloud);
  });
  afterAll(() => cloud.close());
  afterEach(() => cloud.cloudApi.reset());

  it("counts each service separately: CDN throttled does not throttle EdgeOne", async () => {
    cloud.cloudApi.throttle(2);
    expect(await burst(3, () => clients.cdn.PurgeUrlsCache(URL))).toEqual({ ok: 2, RequestLimitExceeded: 1 });
    expect(await burst(3, () => clients.teo.CreatePurgeTask(TARGET))).toEqual({ ok: 2, RequestLimitExceeded: 1 });
  });

  it("counts every action of a service together by default, each action alone with per: action", async () => {
    cloud.cloudApi.throttle(2, { service: "cdn" });
    await clients.cdn.PurgeUrlsCache(URL);
    await clients.cdn.DescribePurgeQuota();
    expect(await apiOutcome(clients.cdn.PushUrlsCache(URL))).toBe("RequestLimitExceeded");
    cloud.cloudApi.throttle(2, { service: "cdn", per: "action" });
    await clients.cdn.PurgeUrlsCache(URL);
    await clients.cdn.PurgeUrlsCache(URL);
    expect(await apiOutcome(clients.cdn.PurgeUrlsCache(URL))).toBe("RequestLimitExceeded");
    expect(await apiOutcome(clients.cdn.DescribePurgeQuota())).toBe("ok");
  });

  it("answers a chosen code for one service, e.g. EdgeOne's LimitExceeded.RateLimitExceeded", async () => {
    cloud.cloudApi.throttle(1, { service: "teo", code: "LimitExceeded.RateLimitExceeded" });
    expect(await burst(2, () => clients.teo.CreatePurgeTask(TARGET))).toEqual({
      ok: 1,
      "LimitExceeded.RateLimitExceeded": 1,
    });
    expect(await burst(3, () => clients.cdn.PurgeUrlsCache(URL))).toEqual({ ok: 3 });
  });

  it("a throttled call is recorded with its code and spends no quota; throttle(undefined) ends it", async () => {
    cloud.cloudApi.throttle(1);
    await burst(2, () => clients.cdn.PurgeUrlsCache(URL));
    expect(cloud.cloudApi.calls.map((call) => call.error ?? "ok").sort()).toEqual(["RequestLimitExceeded", "ok"]);
    expect(cloud.cloudApi.used("url:mainland")).toBe(1);
    cloud.cloudApi.throttle(undefined);
    expect(await burst(3, () => clients.cdn.PurgeUrlsCache(URL))).toEqual({ ok: 3 });
  });

  it("throttling codes are transient errors, as a client should retry them", () => {
    for (const code of ["RequestLimitExceeded", "LimitExceeded.RateLimitExceeded"]) {
      expect(new CloudApiError(code, "slow down")).toMatchObject({ transient: true, retryable: true });
    }
    expect(new CloudApiError("LimitExceeded.DailyQuota", "tomorrow")).toMatchObject({ transient: false });
  });
});

describe("realRateLimits", () => {
  let cloud: LocalCloud;
  let clients: ReturnType<typeof cloudApiClients>;
  // A clock that moves only when told, so that a burst always falls in one second however slow the machine.
  let now = Date.parse("2024-05-01T00:00:00Z");
  beforeAll(async () => {
    cloud = await startLocalCloud({ cloudApi: { realRateLimits: true, clock: () => now } });
    clients = cloudApiClients(cloud);
  });
  afterAll(() => cloud.close());

  it("answers past 20 requests a second for each action, from the start and after reset()", async () => {
    expect(REAL_RATE_LIMIT).toBe(20);
    for (let round = 0; round < 2; round++) {
      expect(await burst(25, () => clients.cdn.PurgeUrlsCache(URL))).toEqual({ ok: 20, RequestLimitExceeded: 5 });
      // Another action, and another service, have their own 20 a second.
      expect(await burst(20, () => clients.cdn.DescribePurgeQuota())).toEqual({ ok: 20 });
      expect(await burst(21, () => clients.teo.CreatePurgeTask(TARGET))).toEqual({ ok: 20, RequestLimitExceeded: 1 });
      cloud.cloudApi.reset();
    }
  });

  it("the window slides: a second later, 20 more", async () => {
    expect(
      await burst(21, () => clients.cdn.PurgePathCache({ Paths: ["https://x.test/d/"], FlushType: "flush" })),
    ).toEqual({
      ok: 20,
      RequestLimitExceeded: 1,
    });
    now += 999;
    expect(await apiOutcome(clients.cdn.PurgePathCache({ Paths: ["https://x.test/d/"], FlushType: "flush" }))).toBe(
      "RequestLimitExceeded",
    );
    now += 1;
    expect(
      await burst(20, () => clients.cdn.PurgePathCache({ Paths: ["https://x.test/e/"], FlushType: "flush" })),
    ).toEqual({
      ok: 20,
    });
  });
});
