import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, MAX_ATTEMPT_LOG_BYTES, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], triggers: { retryDelaysMs: [] } });
});
afterAll(() => cloud.close());

describe("trigger rules' ids", () => {
  it("gives each rule an id (its own, else a UUID), refuses a bound id, and removes a rule by id", async () => {
    const given = cloud.triggers.add({
      id: "mine",
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "a/",
      functionName: "f",
      handler: () => 1,
    });
    const generated = cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "b/",
      functionName: "f",
      handler: () => 2,
    });
    expect(given.id).toBe("mine");
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cloud.triggers.rules).toEqual([given, generated]);
    expect(() =>
      cloud.triggers.add({
        id: "mine",
        bucket: BUCKET,
        events: ["cos:ObjectRemove:*"],
        functionName: "f",
        handler: () => 3,
      }),
    ).toThrow(/already bound/);
    expect(cloud.triggers.remove("mine")).toBe(true);
    expect(cloud.triggers.remove("mine")).toBe(false);
    await sdkFor(cloud).putObject({ ...at, Key: "a/1.txt", Body: "1" });
    await sdkFor(cloud).putObject({ ...at, Key: "b/1.txt", Body: "1" });
    await cloud.triggers.idle();
    expect(cloud.triggers.invocations.map((invocation) => invocation.key)).toEqual(["b/1.txt"]);
    cloud.triggers.clear();
  });
});

describe("an attempt's logs", () => {
  it('keeps what the handler logged, one line per call, and "" when it logged nothing', async () => {
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "logs/",
      functionName: "chatty",
      handler: (_event, _context, attempt) => {
        attempt.log("first");
        attempt.log("second\n");
        throw new Error("and fails");
      },
    });
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "quiet/",
      functionName: "quiet",
      handler: () => "ok",
    });
    await sdkFor(cloud).putObject({ ...at, Key: "logs/1.txt", Body: "1" });
    await sdkFor(cloud).putObject({ ...at, Key: "quiet/1.txt", Body: "1" });
    await cloud.triggers.idle();
    const byName = (name: string) => cloud.triggers.invocations.find((invocation) => invocation.functionName === name);
    expect(byName("chatty")?.attempts).toMatchObject([{ logs: "first\nsecond\n", error: { message: "and fails" } }]);
    expect(byName("quiet")?.attempts).toMatchObject([{ logs: "", result: "ok" }]);
    cloud.triggers.clear();
  });

  it("keeps only the last 64 KiB, saying how many bytes were dropped, never cutting a character", async () => {
    const line = `${"日".repeat(333)}\n`; // 1,000 bytes
    cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "flood/",
      functionName: "flood",
      handler: (_event, _context, attempt) => {
        for (let i = 0; i < 100; i++) attempt.log(`${String(i).padStart(3, "0")}${line}`);
      },
    });
    await sdkFor(cloud).putObject({ ...at, Key: "flood/1.txt", Body: "1" });
    await cloud.triggers.idle();
    const logs =
      cloud.triggers.invocations.find((invocation) => invocation.functionName === "flood")?.attempts[0]?.logs ?? "";
    const match = /^\[\.\.\. (\d+) bytes earlier dropped\]\n/.exec(logs);
    const kept = logs.slice(match?.[0].length ?? 0);
    expect(Number(match?.[1]) + Buffer.byteLength(kept)).toBe(100 * 1_003);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(MAX_ATTEMPT_LOG_BYTES);
    expect(Buffer.byteLength(kept)).toBeGreaterThan(MAX_ATTEMPT_LOG_BYTES - 3);
    expect(kept).not.toContain("\ufffd");
    expect(kept.endsWith(`099${line}`)).toBe(true);
    cloud.triggers.clear();
  });
});
