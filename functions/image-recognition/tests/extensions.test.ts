import { invokeHandler, useTestCloud } from "@cosfn/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { createCustomRecognizer } from "../src/providers/custom.ts";
import type { Sidecar } from "../src/sidecar.ts";
import {
  ciRequests,
  loadImageRecognition,
  ownCiAnswers,
  photo,
  storedSidecar,
  storedTags,
  uploadImage,
} from "./support.ts";

const test = useTestCloud({ cloudInfinite: { responsesDir: ownCiAnswers } });
beforeEach(() => test.cloud.requests.clear());

describe("a user's own recognizer and result sink", () => {
  it("runs beside CI's, on a derivative fitted to its own limits; its labels and verdict are tagged and stored", async () => {
    const seen: { key: string; width: number; height: number; derivative: boolean }[] = [];
    const rows: Sidecar[] = [];
    const main = await loadImageRecognition(
      { PROVIDERS: "ci-labels", MODERATION_RULES: "*>=90:review" },
      {
        recognizers: () => [
          createCustomRecognizer({
            name: "house-model",
            limits: {
              formats: ["jpeg"],
              maxBytes: 1024 * 1024,
              minSide: 8,
              maxWidth: 256,
              maxHeight: 256,
              animated: false,
            },
            async recognize(image) {
              seen.push({ key: image.key, width: image.width, height: image.height, derivative: image.derivative });
              return {
                labels: [{ name: "海报", confidence: 99 }],
                moderation: {
                  result: 1,
                  label: "Ads",
                  score: 95,
                  categories: { ads: { code: 0, hitFlag: 1, score: 95 } },
                },
              };
            },
          }),
        ],
        sink: () => ({ write: async (row) => void rows.push(row) }),
      },
    );
    const summary = await invokeHandler(main, await uploadImage(test, "own/poster.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });
    expect(seen).toEqual([
      { key: ".cosfn/image-recognition/derivatives/own/poster.jpg.jpg", width: 256, height: 171, derivative: true },
    ]);
    const sidecar = await storedSidecar(test, "own/poster.jpg");
    expect(sidecar).toMatchObject({
      labels: [
        { name: "海报", confidence: 99 },
        { name: "照片", confidence: 88 },
      ],
      providers: {
        "ci-labels": { status: "done", input: "original" },
        "house-model": { status: "done", input: "derivative" },
      },
      moderation: { result: 1, label: "Ads", decision: { action: "review" } },
    });
    expect(ciRequests(test).map((r) => r.process)).toEqual(["detect-label"]);
    expect(storedTags(test, "own/poster.jpg")).toEqual({
      "cosfn-labels": "海报/照片",
      "cosfn-moderation": "block:Ads:95",
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual(sidecar);
  });

  it("a provider's permanent failure is reported in the sidecar and the others' results are kept", async () => {
    const main = await loadImageRecognition(
      { PROVIDERS: "ci-labels" },
      {
        recognizers: () => [
          createCustomRecognizer({
            name: "broken-model",
            recognize: async () => {
              const { PermanentError } = await import("@cosfn/errors");
              throw new PermanentError("MODEL_REFUSED", "the model refused the image");
            },
          }),
        ],
      },
    );
    const summary = await invokeHandler(main, await uploadImage(test, "own/broken.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0]?.outcome).toBe("done");
    expect(await storedSidecar(test, "own/broken.jpg")).toMatchObject({
      labels: [{ name: "照片" }],
      providers: {
        "ci-labels": { status: "done" },
        "broken-model": { status: "failed", error: { code: "MODEL_REFUSED", message: "the model refused the image" } },
      },
    });
  });

  it("a provider's retryable failure fails the record retryably, and writes no sidecar (the retry redoes it)", async () => {
    const main = await loadImageRecognition(
      { PROVIDERS: "ci-labels" },
      {
        recognizers: () => [
          createCustomRecognizer({
            name: "flaky-model",
            recognize: async () => {
              const { RetryableError } = await import("@cosfn/errors");
              throw new RetryableError("MODEL_BUSY", "the model is busy");
            },
          }),
        ],
      },
    );
    const summary = await invokeHandler(main, await uploadImage(test, "own/flaky.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0]).toMatchObject({ outcome: "failed", error: { code: "MODEL_BUSY", retryable: true } });
    await expect(storedSidecar(test, "own/flaky.jpg")).rejects.toThrow();
  });
});

describe("tags", () => {
  it("are merged with the object's; over COS's 10 they are skipped, said in the sidecar, and the rest goes on", async () => {
    const main = await loadImageRecognition();
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${i}`, "v"]));
    const event = await uploadImage(test, "tags/full.jpg", photo("food-coffee.jpg"), { tags: ten });
    expect((await invokeHandler(main, event)).records[0]?.outcome).toBe("done");
    expect(storedTags(test, "tags/full.jpg")).toEqual(ten);
    const sidecar = await storedSidecar(test, "tags/full.jpg");
    expect(sidecar.tags.skipped).toContain("over COS's limit of 10");
    expect(sidecar.labels[0]).toMatchObject({ name: "照片" });
  });

  it("use the names set, or none when off", async () => {
    const main = await loadImageRecognition({ LABELS_TAG: "ai:labels", MODERATION_TAG: "off" });
    expect(
      (await invokeHandler(main, await uploadImage(test, "tags/named.jpg", photo("food-coffee.jpg")))).records[0]
        ?.outcome,
    ).toBe("done");
    expect(storedTags(test, "tags/named.jpg")).toEqual({ "ai:labels": "照片" });
  });
});
