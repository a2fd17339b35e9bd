import { EXAMPLE_BUCKET, seedObject, testProvider } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { createCiLabels, parseLabels } from "../../src/providers/ci-labels.ts";
import { parseCiXml } from "../../src/providers/ci-request.ts";
import { type RecognizerSetup, recognizerCases, recognizerSetup, storedPhoto } from "./contract.ts";

testProvider<ReturnType<typeof createCiLabels>, RecognizerSetup>({
  name: "ci-labels",
  kind: "Recognizer",
  setup: recognizerSetup,
  teardown: (setup) => setup.test.close(),
  create: () => createCiLabels({ scenes: ["camera", "web"], attempts: 3, baseDelayMs: 1 }),
  cases: recognizerCases,
  extra: [
    {
      name: "asks detect-label with the scenes and reads today's per-scene containers (a lone label too)",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "scenes/cat.png");
        setup.test.cloud.requests.clear();
        const found = await recognizer.recognize(image, { cos: setup.cos, signal: new AbortController().signal });
        expect(found.labels).toEqual([
          { name: "猫", confidence: 93, scene: "camera", firstCategory: "动物", secondCategory: "宠物" },
          { name: "橘猫", confidence: 81, scene: "web", firstCategory: "动物", secondCategory: "猫" },
          { name: "哺乳动物", confidence: 64, scene: "camera", firstCategory: "动物" },
        ]);
        const [request] = setup.test.cloud.requests.entries;
        expect(request).toMatchObject({
          method: "GET",
          key: "scenes/cat.png",
          query: { "ci-process": "detect-label", scenes: "camera,web" },
          action: "ci:CreateDetectLabelJob",
          status: 200,
        });
      },
    },
    {
      name: "retries a throttled answer (503) with backoff and then succeeds",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "throttled/a.jpg");
        setup.test.cloud.requests.clear();
        setup.test.cloud.faults.add({ fault: { kind: "unavailable" }, pattern: /ci-process=detect-label/, times: 2 });
        try {
          const found = await recognizer.recognize(image, { cos: setup.cos, signal: new AbortController().signal });
          expect(found.labels?.[0]).toMatchObject({ name: "照片", confidence: 88 });
          expect(setup.test.cloud.requests.entries.map((e) => e.status)).toEqual([503, 503, 200]);
        } finally {
          setup.test.cloud.faults.clear();
        }
      },
    },
    {
      name: "retries CI's own throttling (429, X-ErrNo -29214) and then succeeds",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "throttled/errno.jpg");
        setup.test.cloud.requests.clear();
        const found = await recognizer.recognize(image, { cos: setup.cos, signal: new AbortController().signal });
        expect(found.labels?.[0]).toMatchObject({ name: "照片" });
        expect(setup.test.cloud.requests.entries.map((e) => [e.status, e.errorCode])).toEqual([
          [429, "RequestLimitExceeded"],
          [429, "RequestLimitExceeded"],
          [200, undefined],
        ]);
      },
    },
    {
      name: "gives up after its attempts with a retryable error, so that SCF retries the event",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "throttled/b.jpg");
        setup.test.cloud.faults.add({ fault: { kind: "unavailable" }, pattern: /ci-process=detect-label/ });
        try {
          const error = await recognizer
            .recognize(image, { cos: setup.cos, signal: new AbortController().signal })
            .catch((e) => e);
          expect(error).toMatchObject({ name: "CiError", code: "CI_THROTTLED", retryable: true, statusCode: 503 });
        } finally {
          setup.test.cloud.faults.clear();
        }
      },
    },
    {
      name: "maps a missing object to a permanent CI_OBJECT_MISSING",
      run: async (recognizer, setup) => {
        const image = await storedPhoto(setup, "missing/a.jpg");
        await setup.test.cloud.store.delete(EXAMPLE_BUCKET, "missing/a.jpg");
        const error = await recognizer
          .recognize(image, { cos: setup.cos, signal: new AbortController().signal })
          .catch((e) => e);
        expect(error).toMatchObject({ code: "CI_OBJECT_MISSING", retryable: false });
        expect(error.message).toContain("ci-process=detect-label on cos://examplebucket-1250000000/missing/a.jpg");
      },
    },
    {
      name: "maps CI's refusal of a format to a permanent outcome",
      run: async (recognizer, setup) => {
        await seedObject(
          setup.test.cloud,
          EXAMPLE_BUCKET,
          "refused/a.gif",
          Buffer.from("GIF89a\u0001\u0000\u0001\u0000"),
        );
        const image = { ...(await storedPhoto(setup, "refused/ignored.jpg")), key: "refused/a.gif" };
        const error = await recognizer
          .recognize(image, { cos: setup.cos, signal: new AbortController().signal })
          .catch((e) => e);
        // The local cloud answers as CI does: 400 with X-ErrNo -443 (a format detect-label does not take).
        expect(error).toMatchObject({ name: "CiError", code: "CI_BAD_FORMAT", errno: "-443", retryable: false });
        expect(error.message).toContain("X-ErrNo -443");
      },
    },
  ],
});

describe("parseLabels", () => {
  it("reads the older flat answer, a lone Labels as a list of one", () => {
    const xml = "<RecognitionResult><Labels><Confidence>71</Confidence><Name>图片</Name></Labels></RecognitionResult>";
    expect(parseLabels(parseCiXml(xml, "test"), "camera")).toEqual([{ name: "图片", confidence: 71, scene: "camera" }]);
  });

  it("reads every scene container, and an empty answer as no labels", () => {
    const xml =
      "<RecognitionResult><AlbumLabels><Labels><Confidence>50</Confidence><Name>a</Name></Labels></AlbumLabels>" +
      "<NewsLabels><Labels><Confidence>60</Confidence><Name>n</Name></Labels><Labels><Confidence>40</Confidence><Name>m</Name></Labels></NewsLabels></RecognitionResult>";
    expect(parseLabels(parseCiXml(xml, "test"), undefined)).toEqual([
      { name: "n", confidence: 60, scene: "news" },
      { name: "a", confidence: 50, scene: "album" },
      { name: "m", confidence: 40, scene: "news" },
    ]);
    expect(parseLabels(parseCiXml("<RecognitionResult></RecognitionResult>", "test"), undefined)).toEqual([]);
  });
});
