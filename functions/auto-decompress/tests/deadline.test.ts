import { Readable } from "node:stream";
import { createCosClient } from "@cosfn/cos";
import { cosEvent } from "@cosfn/events";
import { EnvReader, Logger } from "@cosfn/runtime";
import { scfContext, type TestCloud } from "@cosfn/testing";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { extractArchive, manifestKey } from "../src/extract.ts";
import { main_handler } from "../src/index.ts";
import { BUCKET, useTestCloud } from "./cloud.ts";
import { declareSize } from "./zip-edits.ts";

let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

const attributes = { contentType: "application/zip", headers: {}, meta: {}, storageClass: "STANDARD", tags: [] };
const entries = Object.fromEntries(
  Array.from({ length: 30 }, (_, i) => [
    `part-${String(i).padStart(2, "0")}.txt`,
    new TextEncoder().encode(`entry ${i}\n`.repeat(50)),
  ]),
);

describe("the deadline", () => {
  it("stops midway with a retryable error and the progress in the manifest; the retry finishes without rewriting", async () => {
    await test.cloud.store.put(BUCKET, "in/big.zip", Readable.from([Buffer.from(zipSync(entries))]), attributes);
    const writes = new Map<string, number>();
    const controller = new AbortController();
    test.cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "out/in/big.zip/part-",
      functionName: "observer",
      handler: (event) => {
        const key =
          (event as { Records: { cos: { cosObject: { key: string } } }[] }).Records[0]?.cos.cosObject.key ?? "";
        writes.set(key, (writes.get(key) ?? 0) + 1);
        // The time limit comes after a few entries.
        if (writes.size >= 5) controller.abort();
      },
    });
    const info = test.cloud.store.head(BUCKET, "in/big.zip");
    const input = {
      cos: createCosClient({ region: "ap-guangzhou" }),
      source: { bucket: BUCKET, key: "in/big.zip", size: info?.size ?? null, etag: info?.etag ?? null },
      target: { bucket: BUCKET, prefix: "out/in/big.zip/" },
      config: loadConfig(new EnvReader({})),
      functionName: "auto-decompress",
      log: new Logger({}, "error"),
      parallelism: 1,
    };
    const stopped = await extractArchive({ ...input, signal: controller.signal }).catch((e) => e);
    expect(stopped).toMatchObject({ code: "DEADLINE", retryable: true });
    await test.cloud.triggers.idle();
    const saved = JSON.parse(
      await (async () => {
        const chunks: Buffer[] = [];
        for await (const c of test.cloud.store.read(
          BUCKET,
          manifestKey("out/in/big.zip/", { bucket: BUCKET, key: "in/big.zip" }),
        ).stream)
          chunks.push(c as Buffer);
        return Buffer.concat(chunks).toString();
      })(),
    );
    expect(saved.complete).toBe(false);
    const writtenBefore = saved.counts.written;
    expect(writtenBefore).toBeGreaterThanOrEqual(5);
    expect(writtenBefore).toBeLessThan(30);

    const finished = await extractArchive({ ...input, signal: new AbortController().signal });
    await test.cloud.triggers.idle();
    expect(finished).toMatchObject({
      complete: true,
      counts: { written: 30 - writtenBefore, "already-written": writtenBefore, failed: 0 },
    });
    expect(writes.size).toBe(30);
    expect([...writes.values()].every((n) => n === 1)).toBe(true);
  });
});

describe("main_handler", () => {
  it("extracts the rest and fails the record permanently when entries fail, naming the first", async () => {
    const zip = Buffer.from(
      zipSync({
        "good.txt": new TextEncoder().encode("good"),
        "liar.txt": [new TextEncoder().encode("x".repeat(1000)), { level: 9 }],
      }),
    );
    declareSize(zip, "liar.txt", 100);
    await test.cloud.store.put(BUCKET, "in/mixed.zip", Readable.from([zip]), attributes);
    const event = cosEvent({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "in/mixed.zip",
    });
    const summary = await main_handler(event, scfContext({ time_limit_in_ms: 60_000 }));
    expect(summary).toMatchObject({ processed: 0, failed: 1 });
    expect(summary.records[0]?.error).toMatchObject({ code: "ENTRIES_FAILED", retryable: false });
    expect(summary.records[0]?.error?.message).toContain(
      "first: liar.txt: inflates past the 100 bytes its header declares",
    );
    expect(summary.records[0]?.error?.message).not.toContain("liar.txt: liar.txt");
    expect(test.cloud.store.head(BUCKET, "extracted/in/mixed.zip/good.txt")?.size).toBe(4);
    expect(test.cloud.store.head(BUCKET, "extracted/in/mixed.zip/liar.txt")).toBeUndefined();
  });
});
