import { createOfflineRecognizer } from "@cosfn/offline-recognizer";
import { invokeHandler, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { loadImageRecognition, photo, storedSidecar, storedTags, uploadImage } from "./support.ts";

// The local cloud answering Cloud Infinite from real models run offline, as `cosfn dev` does by default.
const test = useTestCloud({ cloudInfinite: { recognizer: createOfflineRecognizer() } });

describe("against the offline recognizer (cosfn dev's default)", () => {
  it("labels a real photo, moderates it, tags it and writes the sidecar", async () => {
    const main = await loadImageRecognition({ TAG_MIN_CONFIDENCE: "30" });
    const summary = await invokeHandler(main, await uploadImage(test, "images/coffee.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done", detail: { moderation: 0 } });
    const sidecar = await storedSidecar(test, "images/coffee.jpg");
    // COCO's cup, in CI's language, is the top label of the espresso photo.
    expect(sidecar.labels[0]).toMatchObject({ name: "杯子", scene: "camera" });
    expect(sidecar.labels[0].confidence).toBeGreaterThanOrEqual(30);
    expect(sidecar.moderation).toMatchObject({ result: 0, decision: { action: "none" } });
    expect(storedTags(test, "images/coffee.jpg")["cosfn-labels"]).toMatch(/^杯子/);
  }, 180_000);
});
