import { readFile } from "node:fs/promises";
import { createCosClient } from "@cosfn/cos";
import { EXAMPLE_BUCKET, fixturesDir, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { createOfflineRecognizer } from "../src/index.ts";

/** One of the committed photographs (`test-fixtures/images`, sources and licences in its README). */
const photo = (name: string) => readFile(`${fixturesDir}images/${name}`);

const test = useTestCloud({ cloudInfinite: { recognizer: createOfflineRecognizer() } });

describe("plugged into the local cloud", () => {
  it("answers detect-label and moderation over HTTP in CI's XML, from the models", async () => {
    const cos = createCosClient({ region: test.cloud.region }, test.env);
    await cos.writeObject({ bucket: EXAMPLE_BUCKET, key: "photos/coffee.jpg", body: await photo("food-coffee.jpg") });
    const labels = await cos.processObject(EXAMPLE_BUCKET, "photos/coffee.jpg", {
      "ci-process": "detect-label",
      scenes: "camera,web",
    });
    const xml = labels.body.toString();
    const camera =
      /<CameraLabels><Labels><Confidence>(\d+)<\/Confidence><Name>杯子<\/Name><FirstCategory>物品<\/FirstCategory><SecondCategory>餐具<\/SecondCategory><\/Labels>/.exec(
        xml,
      );
    expect(Number(camera?.[1])).toBeGreaterThanOrEqual(30);
    // every scene gets the same labels
    expect(xml).toContain(`<WebLabels><Labels><Confidence>${camera?.[1]}</Confidence><Name>杯子</Name>`);
    const verdict = await cos.processObject(EXAMPLE_BUCKET, "photos/coffee.jpg", {
      "ci-process": "sensitive-content-recognition",
    });
    const answer = verdict.body.toString();
    expect(answer).toContain("<Object>photos/coffee.jpg</Object><Result>0</Result><Label>Normal</Label>");
    expect(answer).toMatch(/<PornInfo><Code>0<\/Code><Msg>OK<\/Msg><HitFlag>0<\/HitFlag><Score>0<\/Score>/);
    const logged = test.cloud.requests.entries.filter((entry) => entry.service === "ci");
    expect(logged.map((entry) => [entry.action, entry.key, entry.status])).toEqual([
      ["ci:CreateDetectLabelJob", "photos/coffee.jpg", 200],
      ["ci:CreateAuditingPictureJob", "photos/coffee.jpg", 200],
    ]);
  });

  it("names labels in English when asked", async () => {
    const english = createOfflineRecognizer({ names: "english" });
    const bytes = await photo("person-grace-hopper.jpg");
    const labels = await english.detectLabel({
      key: "p.jpg",
      bytes,
      info: { format: "jpeg", width: 512, height: 600 },
      scene: "camera",
    });
    expect(labels.slice(0, 2).map((l) => l.name)).toEqual(["person", "tie"]);
  });
});
