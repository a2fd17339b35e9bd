import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createCosClient } from "@cosfn/cos";
import { storedText, type TestCloud } from "@cosfn/testing";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { manifestKey } from "../src/extract.ts";
import { main_handler } from "../src/index.ts";
import { BUCKET, useTestCloud } from "./cloud.ts";

const corpus = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
let test: TestCloud;
useTestCloud((started) => {
  test = started;
});
beforeAll(() => {
  test.cloud.triggers.add({
    bucket: BUCKET,
    events: ["cos:ObjectCreated:*"],
    suffix: ".zip",
    functionName: "auto-decompress",
    handler: (event, context) => main_handler(event, { ...context, time_limit_in_ms: 60_000 }),
  });
});

const stored = (key: string) => storedText(test.cloud, BUCKET, key);

describe("faults", () => {
  it("ends with exactly the right objects when range reads are reset and uploads get 503s", async () => {
    // Range reads of the archive (GET .../faulty.zip) and entry uploads (PUT .../extracted/...) misbehave.
    test.cloud.faults.add({ fault: { kind: "reset" }, method: "GET", pattern: /faulty\.zip$/, times: 3 });
    test.cloud.faults.add({
      fault: { kind: "unavailable" },
      method: "PUT",
      pattern: /extracted\/in\/faulty\//,
      times: 4,
    });
    test.cloud.faults.add({
      fault: { kind: "truncate", fraction: 0.5 },
      method: "GET",
      pattern: /faulty\.zip$/,
      times: 2,
    });
    const cos = createCosClient({ region: "ap-guangzhou" });
    await cos.writeObject({ bucket: BUCKET, key: "in/faulty.zip", body: readFileSync(`${corpus}data-descriptor.zip`) });
    await test.cloud.triggers.idle();
    const invocation = test.cloud.triggers.invocations.find((i) => i.key === "in/faulty.zip");
    expect(invocation?.status).toBe("succeeded");
    expect(
      test.cloud.faults.injected.reset + test.cloud.faults.injected.unavailable + test.cloud.faults.injected.truncate,
    ).toBeGreaterThan(0);
    const keys = test.cloud.store
      .list(BUCKET, { prefix: "extracted/in/faulty.zip/" })
      .objects.map((o) => o.key)
      .sort();
    expect(keys).toEqual([
      manifestKey("extracted/in/faulty.zip/", { bucket: BUCKET, key: "in/faulty.zip" }),
      "extracted/in/faulty.zip/streamed-1.txt",
      "extracted/in/faulty.zip/streamed-2.txt",
    ]);
    expect(await stored("extracted/in/faulty.zip/streamed-1.txt")).toBe("written by a streaming zipper");
    expect(await stored("extracted/in/faulty.zip/streamed-2.txt")).toBe("second");
    test.cloud.faults.clear();
  });

  it("deletes the archive with DELETE_SOURCE=true only when every entry succeeded", async () => {
    vi.stubEnv("DELETE_SOURCE", "true");
    // The handler reads its settings once: a fresh copy of the module reads DELETE_SOURCE.
    vi.resetModules();
    const { main_handler: fresh } = await import("../src/index.ts");
    const cos = createCosClient({ region: "ap-guangzhou" });
    test.cloud.triggers.clear();
    test.cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      suffix: ".zip",
      functionName: "auto-decompress",
      handler: (event, context) => fresh(event, { ...context, time_limit_in_ms: 60_000 }),
    });
    await cos.writeObject({ bucket: BUCKET, key: "in/good.zip", body: readFileSync(`${corpus}zero-byte.zip`) });
    await cos.writeObject({ bucket: BUCKET, key: "in/partly-bad.zip", body: readFileSync(`${corpus}aes.zip`) });
    await test.cloud.triggers.idle();
    expect(test.cloud.store.head(BUCKET, "in/good.zip")).toBeUndefined();
    expect(test.cloud.store.head(BUCKET, "extracted/in/good.zip/empty-1.txt")).toBeDefined();
    expect(test.cloud.store.head(BUCKET, "in/partly-bad.zip")).toBeDefined();
    expect(test.cloud.store.head(BUCKET, "extracted/in/partly-bad.zip/plain.txt")).toBeDefined();
  });
});
