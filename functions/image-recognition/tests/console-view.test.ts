import { createCosClient } from "@cosfn/cos";
import { EXAMPLE_BUCKET, invokeHandler, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { COLUMNS, consoleView } from "../src/console-view.ts";
import { loadImageRecognition, ownCiAnswers, photo, storedSidecar, uploadImage } from "./support.ts";

/**
 * image-recognition's view in the local console: the function run against the local cloud (its Cloud Infinite
 * answering from this package's recorded verdicts), then the view loaded as `cosfn dev` loads it.
 */
const test = useTestCloud({ cloudInfinite: { responsesDir: ownCiAnswers } });

const view = (env: Record<string, string> = {}, buckets = [EXAMPLE_BUCKET]) =>
  consoleView({ env, buckets: () => buckets, cos: () => createCosClient({ region: "ap-guangzhou" }) });

describe("image-recognition's console view", () => {
  it("says so while nothing was recognized", async () => {
    const data = await view().load();
    expect(data.sections).toEqual([
      {
        title: "Recognized images",
        note: `0 images, the most recently recognized first, from the sidecars under .cosfn/image-recognition/results/ in ${EXAMPLE_BUCKET}`,
        columns: COLUMNS,
        rows: [],
      },
    ]);
  });

  it("counts one image in the singular", async () => {
    // The next test writes this key again: its sidecar is replaced, not added.
    await invokeHandler(
      await loadImageRecognition(),
      await uploadImage(test, "views/normal.jpg", photo("food-coffee.jpg")),
    );
    const [section] = (await view().load()).sections;
    expect(section?.note).toBe(
      `1 image, the most recently recognized first, from the sidecars under .cosfn/image-recognition/results/ in ${EXAMPLE_BUCKET}`,
    );
    expect(section?.rows).toHaveLength(1);
  });

  it("shows each recognized image (as the object, for the console to show it) beside its labels and verdict, newest first", async () => {
    const main = await loadImageRecognition();
    const uploads = [
      ["views/normal.jpg", photo("food-coffee.jpg")],
      ["moderation/block-review.jpg", photo("person-grace-hopper.jpg")],
      ["views/not-an-image.jpg", Buffer.from("plain text, not an image")],
    ] as const;
    for (const [key, bytes] of uploads) await invokeHandler(main, await uploadImage(test, key, bytes));

    const recognizedAt = async (key: string) => (await storedSidecar(test, key)).recognizedAt;
    const data = await view().load();
    expect(data.sections).toEqual([
      {
        title: "Recognized images",
        note: `3 images, the most recently recognized first, from the sidecars under .cosfn/image-recognition/results/ in ${EXAMPLE_BUCKET}`,
        columns: ["image", "status", "labels", "moderation", "actions", "recognized at"],
        rows: [
          [
            { object: { bucket: EXAMPLE_BUCKET, key: "views/not-an-image.jpg" }, text: "views/not-an-image.jpg" },
            expect.stringMatching(/^rejected: NOT_AN_IMAGE: /),
            "",
            null,
            "",
            await recognizedAt("views/not-an-image.jpg"),
          ],
          [
            {
              object: { bucket: EXAMPLE_BUCKET, key: "moderation/block-review.jpg" },
              text: "moderation/block-review.jpg",
            },
            "recognized",
            // tests/responses/detect-label/default.xml: a lone label
            "照片 88",
            "block: Porn 98; action review",
            "review:.cosfn/image-recognition/review/moderation/block-review.jpg.json",
            await recognizedAt("moderation/block-review.jpg"),
          ],
          [
            { object: { bucket: EXAMPLE_BUCKET, key: "views/normal.jpg" }, text: "views/normal.jpg" },
            "recognized",
            "照片 88",
            "normal: Normal 0; action none",
            "",
            await recognizedAt("views/normal.jpg"),
          ],
        ],
      },
    ]);
  });

  it("reads the sidecars where the settings put them, and says why when the settings are not valid", async () => {
    const main = await loadImageRecognition({ SIDECAR_PREFIX: "elsewhere/results/", PROVIDERS: "none" });
    await invokeHandler(main, await uploadImage(test, "views/moved.png", photo("cat-chelsea.png")));
    const data = await view({ SIDECAR_PREFIX: "elsewhere/results/" }).load();
    expect(data.sections[0]?.rows).toEqual([
      [
        { object: { bucket: EXAMPLE_BUCKET, key: "views/moved.png" }, text: "views/moved.png" },
        "recognized",
        "",
        null,
        "",
        expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
      ],
    ]);
    const invalid = await view({ SIDECAR_PREFIX: "no-slash" }).load();
    expect(invalid.sections[0]?.note).toMatch(/^image-recognition's settings are not valid: .*SIDECAR_PREFIX/);
  });
});
