import { EXAMPLE_BUCKET, invokeHandler, storedText, useTestCloud } from "@cosfn/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { decideModeration, parseModerationRules } from "../src/moderation-rules.ts";
import type { ModerationVerdict } from "../src/providers/types.ts";
import { loadImageRecognition, ownCiAnswers, photo, storedSidecar, storedTags, uploadImage } from "./support.ts";

const test = useTestCloud({ cloudInfinite: { responsesDir: ownCiAnswers } });
beforeEach(() => test.cloud.requests.clear());

async function moderate(key: string, env: Record<string, string> = {}) {
  const main = await loadImageRecognition(env);
  const summary = await invokeHandler(main, await uploadImage(test, key, photo("person-grace-hopper.jpg")));
  expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });
  return summary.records[0];
}

describe("moderation actions on a recorded verdict", () => {
  it("default rules: a block (98) goes to review, a copy of the verdict for a person; the object stays, tagged", async () => {
    await moderate("moderation/block-review.jpg");
    const sidecar = await storedSidecar(test, "moderation/block-review.jpg");
    expect(sidecar.moderation).toMatchObject({
      result: 1,
      label: "Porn",
      score: 98,
      decision: { action: "review", rule: "*>=91:review", category: "*", hit: "block" },
    });
    const reviewKey = ".cosfn/image-recognition/review/moderation/block-review.jpg.json";
    expect(sidecar.actions).toEqual([`review:${reviewKey}`]);
    const review = JSON.parse(await storedText(test.cloud, EXAMPLE_BUCKET, reviewKey));
    expect(review).toMatchObject({
      key: "moderation/block-review.jpg",
      review: { object: "moderation/block-review.jpg", etag: sidecar.etag, decision: { action: "review" } },
      moderation: { result: 1, categories: { porn: { hitFlag: 1, score: 98 } } },
    });
    expect(test.cloud.store.head(EXAMPLE_BUCKET, "moderation/block-review.jpg")).toBeDefined();
    expect(storedTags(test, "moderation/block-review.jpg")).toEqual({
      "cosfn-labels": "照片",
      "cosfn-moderation": "block:Porn:98",
    });
  });

  it("default rules: a suspicious verdict (76) is only tagged", async () => {
    await moderate("moderation/suspicious.jpg");
    const sidecar = await storedSidecar(test, "moderation/suspicious.jpg");
    expect(sidecar.moderation.decision).toEqual({ action: "tag", rule: "*>=61:tag", category: "*", hit: "suspicious" });
    expect(sidecar.actions).toEqual(["tag"]);
    expect(storedTags(test, "moderation/suspicious.jpg")["cosfn-moderation"]).toBe("suspicious:Ads:76");
    const review = ".cosfn/image-recognition/review/moderation/suspicious.jpg.json";
    expect(test.cloud.store.head(EXAMPLE_BUCKET, review)).toBeUndefined();
  });

  it("private: the object's ACL is set to private", async () => {
    await moderate("moderation/block-private.jpg", { MODERATION_RULES: "porn>=91:private" });
    expect(test.cloud.store.head(EXAMPLE_BUCKET, "moderation/block-private.jpg")?.acl).toBe("private");
    expect((await storedSidecar(test, "moderation/block-private.jpg")).actions).toEqual(["private"]);
    expect(test.cloud.requests.entries.some((e) => e.action === "name/cos:PutObjectACL")).toBe(true);
  });

  it("move: the object goes to the quarantine prefix (marked as the function's), the sidecar stays", async () => {
    await moderate("moderation/block-move.jpg", { MODERATION_RULES: "porn>=91:move" });
    const quarantined = ".cosfn/image-recognition/quarantine/moderation/block-move.jpg";
    expect(test.cloud.store.head(EXAMPLE_BUCKET, "moderation/block-move.jpg")).toBeUndefined();
    expect(test.cloud.store.head(EXAMPLE_BUCKET, quarantined)?.size).toBe(photo("person-grace-hopper.jpg").length);
    expect(test.cloud.store.head(EXAMPLE_BUCKET, quarantined)?.meta).toMatchObject({
      "x-cos-meta-cosfn-function": "image-recognition",
    });
    expect((await storedSidecar(test, "moderation/block-move.jpg")).actions).toEqual([`move:${quarantined}`]);
  });

  it("delete: the object is deleted after its sidecar is written", async () => {
    const record = await moderate("moderation/block-delete.jpg", { MODERATION_RULES: "porn>=91:delete" });
    expect(record?.detail).toMatchObject({ removed: ["delete"], action: "delete" });
    expect(test.cloud.store.head(EXAMPLE_BUCKET, "moderation/block-delete.jpg")).toBeUndefined();
    const sidecar = await storedSidecar(test, "moderation/block-delete.jpg");
    expect(sidecar).toMatchObject({ actions: ["delete"], moderation: { decision: { action: "delete" } } });
    // No tags are written on an object about to be deleted.
    expect(test.cloud.requests.entries.filter((e) => e.action === "name/cos:PutObjectTagging")).toEqual([]);
  });

  it("never moves or deletes on a suspicious verdict unless configured: review instead", async () => {
    await moderate("moderation/suspicious-delete.jpg", { MODERATION_RULES: "ads>=61:delete" });
    expect(test.cloud.store.head(EXAMPLE_BUCKET, "moderation/suspicious-delete.jpg")).toBeDefined();
    const sidecar = await storedSidecar(test, "moderation/suspicious-delete.jpg");
    expect(sidecar.moderation.decision).toEqual({
      action: "review",
      rule: "ads>=61:delete",
      category: "ads",
      hit: "suspicious",
      downgradedFrom: "delete",
    });
    expect(sidecar.actions).toEqual(["review:.cosfn/image-recognition/review/moderation/suspicious-delete.jpg.json"]);

    await moderate("moderation/suspicious-allowed.jpg", {
      MODERATION_RULES: "ads>=61:delete",
      MODERATION_DESTRUCTIVE_ON_SUSPICIOUS: "true",
    });
    expect(test.cloud.store.head(EXAMPLE_BUCKET, "moderation/suspicious-allowed.jpg")).toBeUndefined();
  });
});

describe("decideModeration", () => {
  const verdict = (overrides: Partial<ModerationVerdict>): ModerationVerdict => ({
    result: 0,
    label: "Normal",
    score: 0,
    categories: {},
    ...overrides,
  });

  it("takes the strongest action among the rules that match, each category on its own score", () => {
    const rules = parseModerationRules("porn>=91:delete, porn>=61:review, ads>=50:tag, *>=95:private");
    const porn = verdict({
      result: 1,
      label: "Porn",
      score: 93,
      categories: { porn: { code: 0, hitFlag: 1, score: 93 } },
    });
    expect(decideModeration(porn, rules, false)).toMatchObject({ action: "delete", rule: "porn>=91:delete" });
    const ads = verdict({
      result: 2,
      label: "Ads",
      score: 70,
      categories: { ads: { code: 0, hitFlag: 2, score: 70 } },
    });
    expect(decideModeration(ads, rules, false)).toMatchObject({ action: "tag", category: "ads" });
    expect(decideModeration(verdict({ score: 12 }), rules, false)).toEqual({ action: "none" });
  });

  it("refuses malformed rules, naming the rule", () => {
    expect(() => parseModerationRules("porn>91:delete")).toThrow('"porn>91:delete"');
    expect(() => parseModerationRules("gore>=91:delete")).toThrow("gore");
    expect(() => parseModerationRules("porn>=91:burn")).toThrow("burn");
    expect(() => parseModerationRules("porn>=191:tag")).toThrow();
    expect(parseModerationRules("")).toEqual([]);
  });
});
