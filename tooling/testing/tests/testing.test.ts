import { describe, expect, it } from "vitest";
import {
  listEventFixtures,
  loadEvent,
  scfContext,
  scratchProject,
  seedObject,
  startTestCloud,
  storedKeys,
  storedText,
} from "../src/index.ts";

describe("loadEvent", () => {
  it("returns the fixture as parsed JSON, a fresh copy each call", () => {
    const first = loadEvent("object-created-put") as { Records: { event: { eventName: string } }[] };
    expect(first.Records[0]?.event.eventName).toBe("cos:ObjectCreated:Put");
    first.Records.length = 0;
    const second = loadEvent("object-created-put") as { Records: unknown[] };
    expect(second.Records).toHaveLength(1);
  });

  it("names the missing fixture", () => {
    expect(() => loadEvent("object-created-put", "nope")).toThrow("no fixture object-created-put/nope.json");
  });

  it("refuses names that could leave the fixtures folder", () => {
    expect(() => loadEvent("../events", "basic")).toThrow(RangeError);
    expect(() => loadEvent("invalid", "../object-created-put/basic")).toThrow(RangeError);
  });
});

describe("listEventFixtures", () => {
  it("lists a basic variant for each of the twelve event names, and the invalid ones apart", () => {
    const valid = listEventFixtures();
    expect(valid.filter((f) => f.variant === "basic")).toHaveLength(12);
    expect(valid.some((f) => f.folder === "invalid")).toBe(false);
    const invalid = listEventFixtures({ invalid: true });
    expect(invalid.length).toBeGreaterThan(10);
    expect(invalid.every((f) => f.folder === "invalid")).toBe(true);
  });
});

describe("scfContext", () => {
  it("has SCF's fields with overridable values", () => {
    const context = scfContext({ time_limit_in_ms: 900_000, environment: { TARGET_PREFIX: "out/" } });
    expect(context).toMatchObject({
      function_version: "$LATEST",
      namespace: "default",
      memory_limit_in_mb: 128,
      time_limit_in_ms: 900_000,
      tencentcloud_region: "ap-guangzhou",
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(JSON.parse(context.environment)).toEqual({ TARGET_PREFIX: "out/" });
    expect(context.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(scfContext().request_id).not.toBe(context.request_id);
  });
});

describe("startTestCloud", () => {
  it("points process.env at a local cloud and restores it on close", async () => {
    const before = process.env.COSFN_COS_ENDPOINT;
    const test = await startTestCloud({ buckets: ["examplebucket-1250000000"] });
    expect(process.env.COSFN_COS_ENDPOINT).toBe(test.cloud.endpoint);
    expect(process.env.TENCENTCLOUD_SECRETID).toBe(test.cloud.credentials[0]?.secretId);
    expect(test.cloud.store.getBucket("examplebucket-1250000000")).toBeDefined();
    await test.close();
    expect(process.env.COSFN_COS_ENDPOINT).toBe(before);
  });
});

describe("seedObject and storedText", () => {
  it("put an object into the store and read it back, listing it under its prefix", async () => {
    const test = await startTestCloud({ buckets: ["examplebucket-1250000000"] });
    try {
      await seedObject(test.cloud, "examplebucket-1250000000", "a/b.txt", "hello", "text/plain");
      expect(await storedText(test.cloud, "examplebucket-1250000000", "a/b.txt")).toBe("hello");
      expect(test.cloud.store.head("examplebucket-1250000000", "a/b.txt")?.contentType).toBe("text/plain");
      expect(storedKeys(test.cloud, "examplebucket-1250000000", "a/")).toEqual(["a/b.txt"]);
    } finally {
      await test.close();
    }
  });
});

describe("scratchProject", () => {
  it("makes a project folder that resolves this repository's packages, and removes it", async () => {
    const { existsSync, readFileSync } = await import("node:fs");
    const scratch = scratchProject("test");
    expect(JSON.parse(readFileSync(`${scratch.root}/package.json`, "utf8")).workspaces).toEqual(["functions/*"]);
    expect(existsSync(`${scratch.root}/node_modules/@cosfn/runtime/package.json`)).toBe(true);
    scratch.remove();
    expect(existsSync(scratch.root)).toBe(false);
  });
});
