import { testProvider } from "@cosfn/testing";
import { expect } from "vitest";
import { createCiModeration } from "../../src/providers/ci-moderation.ts";
import { type RecognizerSetup, recognizerCases, recognizerSetup, storedPhoto } from "./contract.ts";

const live = () => new AbortController().signal;

testProvider<ReturnType<typeof createCiModeration>, RecognizerSetup>({
  name: "ci-moderation",
  kind: "Recognizer",
  setup: recognizerSetup,
  teardown: (setup) => setup.test.close(),
  create: () => createCiModeration({ bizType: "b81d45f94b91a683255e9a9506f45a11", attempts: 3, baseDelayMs: 1 }),
  cases: recognizerCases,
  extra: [
    {
      name: "asks sensitive-content-recognition with the biz-type and reads Result, Label, Score and each category",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "moderation/block.jpg");
        setup.test.cloud.requests.clear();
        const found = await recognizer.recognize(image, { cos: setup.cos, signal: live() });
        expect(found.moderation).toEqual({
          result: 1,
          label: "Porn",
          score: 98,
          category: "Porn",
          subLabel: "SexBehavior",
          jobId: "si8263213daf3711eca0d1525400d88f01",
          categories: {
            porn: {
              code: 0,
              message: "OK",
              hitFlag: 1,
              score: 98,
              label: "Porn",
              category: "Porn",
              subLabel: "SexBehavior",
            },
            ads: { code: 0, message: "OK", hitFlag: 0, score: 0 },
            politics: { code: 0, message: "OK", hitFlag: 0, score: 0 },
            terrorism: { code: 0, message: "OK", hitFlag: 0, score: 0 },
            teenager: { code: 0, message: "OK", hitFlag: 0, score: 0 },
          },
        });
        expect(setup.test.cloud.requests.entries[0]).toMatchObject({
          key: "moderation/block.jpg",
          query: { "ci-process": "sensitive-content-recognition", "biz-type": "b81d45f94b91a683255e9a9506f45a11" },
          action: "ci:CreateAuditingPictureJob",
        });
        expect(setup.test.cloud.requests.entries[0]?.query["large-image-detect"]).toBeUndefined();
      },
    },
    {
      name: "keeps a category's own error Code and Msg, and a suspicious Result",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "moderation/suspicious.jpg");
        const found = await recognizer.recognize(image, { cos: setup.cos, signal: live() });
        expect(found.moderation).toMatchObject({
          result: 2,
          label: "Ads",
          score: 76,
          categories: {
            ads: { hitFlag: 2, score: 76, subLabel: "QRCode" },
            terrorism: { code: -1, message: "internal error", hitFlag: 0 },
          },
        });
        expect(found.moderation?.categories.teenager).toBeUndefined();
      },
    },
    {
      name: "asks large-image-detect=1 for an image above 5 MB",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "moderation/large.jpg");
        setup.test.cloud.requests.clear();
        // The size the function read from the HEAD decides; the local cloud's answer is beside the point here.
        await recognizer
          .recognize({ ...image, size: 5 * 1024 * 1024 + 1 }, { cos: setup.cos, signal: live() })
          .catch(() => {});
        expect(setup.test.cloud.requests.entries[0]?.query).toMatchObject({ "large-image-detect": "1" });
      },
    },
  ],
});
