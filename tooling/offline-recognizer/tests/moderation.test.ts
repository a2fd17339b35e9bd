import { readFile } from "node:fs/promises";
import { fixturesDir } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { createOfflineRecognizer, moderationVerdict } from "../src/index.ts";

/** One of the committed photographs (`test-fixtures/images`, sources and licences in its README). */
const photo = (name: string) => readFile(`${fixturesDir}images/${name}`);

const recognizer = createOfflineRecognizer();

describe("moderation on real photographs", () => {
  it("finds every committed photo normal, Neutral the likeliest class for the photographs of people and things", async () => {
    for (const file of ["person-astronaut.jpg", "person-grace-hopper.jpg", "food-coffee.jpg", "vehicle-airplane.jpg"]) {
      const { classes, verdict } = await recognizer.moderation(await photo(file), file);
      expect(classes.Neutral).toBeGreaterThan(0.9);
      expect(verdict).toMatchObject({ result: 0, label: "Normal" });
      expect(verdict.score).toBeLessThan(10);
    }
    // nsfwjs reads the night launch photo as a drawing: still normal
    const launch = await recognizer.moderation(await photo("landscape-rocket-launch.jpg"));
    expect(launch.classes.Drawing).toBeGreaterThan(launch.classes.Neutral);
    expect(launch.verdict.result).toBe(0);
  });

  it("sums to one over the five classes", async () => {
    const { classes } = await recognizer.moderation(await photo("cat-chelsea.png"));
    const total = Object.values(classes).reduce((sum, p) => sum + p, 0);
    expect(total).toBeCloseTo(1, 3);
  });
});

describe("nsfwjs's other models", () => {
  it("can moderate with MobileNetV2Mid or InceptionV3 (299x299) instead", async () => {
    for (const moderationModel of ["MobileNetV2Mid", "InceptionV3"] as const) {
      const other = createOfflineRecognizer({ moderationModel });
      const { classes, verdict } = await other.moderation(await photo("food-coffee.jpg"));
      expect(classes.Neutral).toBeGreaterThan(0.9);
      expect(verdict).toMatchObject({ result: 0, label: "Normal" });
    }
    // InceptionV3 reads the night launch as a photo, where MobileNetV2 sees a drawing
    const inception = createOfflineRecognizer({ moderationModel: "InceptionV3" });
    const launch = await inception.moderation(await photo("landscape-rocket-launch.jpg"));
    expect(launch.classes.Neutral).toBeGreaterThan(launch.classes.Drawing);
  });
});

describe("the verdict from the class probabilities", () => {
  const base = { Drawing: 0, Hentai: 0, Neutral: 0, Porn: 0, Sexy: 0 };

  it("blocks explicit content at 91 and above", () => {
    expect(moderationVerdict({ ...base, Porn: 0.9, Hentai: 0.05, Neutral: 0.05 })).toEqual({
      result: 1,
      label: "Porn",
      score: 95,
      category: "Porn",
      subLabel: "",
      scenes: { Porn: { hitFlag: 1, score: 95, label: "Porn", category: "Porn", subLabel: "" } },
    });
    expect(moderationVerdict({ ...base, Porn: 0.4, Hentai: 0.55, Neutral: 0.05 })).toMatchObject({
      result: 1,
      category: "Hentai",
    });
  });

  it("marks suggestive content suspicious from 61 to 90, and normal below", () => {
    expect(moderationVerdict({ ...base, Sexy: 0.7, Neutral: 0.3 })).toMatchObject({
      result: 2,
      label: "Porn",
      score: 70,
      category: "Sexy",
      scenes: { Porn: { hitFlag: 2, score: 70 } },
    });
    expect(moderationVerdict({ ...base, Sexy: 0.6, Neutral: 0.4 })).toMatchObject({
      result: 0,
      label: "Normal",
      score: 60,
      category: "",
      scenes: { Porn: { hitFlag: 0, score: 60, label: "" } },
    });
  });
});
