import { testProvider } from "@cosfn/testing";
import sharp from "sharp";
import { expect } from "vitest";
import { createCustomRecognizer } from "../../src/providers/custom.ts";
import type { Recognizer } from "../../src/providers/types.ts";
import { type RecognizerSetup, recognizerCases, recognizerSetup, storedPhoto } from "./contract.ts";

/** A user's recognizer as the README shows it: a local computation on the bytes, here the dominant channel. */
function dominantColour(): Recognizer {
  return createCustomRecognizer({
    name: "dominant-colour",
    async recognize(image, signal) {
      signal.throwIfAborted();
      const { channels } = await sharp(image.bytes).stats();
      const names = ["red", "green", "blue"];
      const means = channels.slice(0, 3).map((c) => c.mean);
      const top = means.indexOf(Math.max(...means));
      return { labels: [{ name: names[top] as string, confidence: Math.round((means[top] as number) / 2.55) }] };
    },
  });
}

testProvider<Recognizer, RecognizerSetup>({
  name: "custom (dominant-colour)",
  kind: "Recognizer",
  setup: recognizerSetup,
  teardown: (setup) => setup.test.close(),
  create: dominantColour,
  cases: recognizerCases,
  extra: [
    {
      name: "is handed the image's bytes and sends nothing to CI",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "custom/sky.jpg", "vehicle-airplane.jpg");
        setup.test.cloud.requests.clear();
        const found = await recognizer.recognize(image, { cos: setup.cos, signal: new AbortController().signal });
        expect(found.labels?.[0]?.name).toBe("blue");
        expect(setup.test.cloud.requests.entries).toEqual([]);
      },
    },
  ],
});
