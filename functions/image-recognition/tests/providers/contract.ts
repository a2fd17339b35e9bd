import { type CosClient, createCosClient } from "@cosfn/cos";
import { EXAMPLE_BUCKET, type ProviderCase, seedObject, startTestCloud, type TestCloud } from "@cosfn/testing";
import sharp from "sharp";
import { expect } from "vitest";
import type { ImageInput, Recognizer } from "../../src/providers/types.ts";
import { ownCiAnswers, photo } from "../support.ts";

/** What the contract's cases get: a local cloud answering CI from recorded responses, and a client for it. */
export interface RecognizerSetup {
  test: TestCloud;
  cos: CosClient;
}

export async function recognizerSetup(): Promise<RecognizerSetup> {
  const test = await startTestCloud({
    buckets: [EXAMPLE_BUCKET],
    cloudInfinite: {
      responsesDir: ownCiAnswers,
      // Objects under throttled/errno are refused twice with CI's own rate-limit answer, then answered.
      throttle: { when: ({ key, count }) => key.startsWith("throttled/errno") && count <= 2 },
    },
  });
  return { test, cos: createCosClient({ region: "ap-guangzhou" }) };
}

/** A photo stored in the cloud, as a recognizer is handed it (within any provider's limits: a 512x512 JPEG). */
export async function storedPhoto(
  setup: RecognizerSetup,
  key: string,
  name = "person-astronaut.jpg",
): Promise<ImageInput> {
  const bytes = photo(name);
  await seedObject(setup.test.cloud, EXAMPLE_BUCKET, key, bytes, "image/jpeg");
  const { width = 0, height = 0, format } = await sharp(bytes).metadata();
  return {
    bucket: EXAMPLE_BUCKET,
    key,
    derivative: false,
    size: bytes.length,
    format: format as "jpeg",
    width,
    height,
    bytes,
  };
}

const live = () => new AbortController().signal;

/** The Recognizer contract: what CI's recognizers and a user's own must all do. */
export const recognizerCases: readonly ProviderCase<Recognizer, RecognizerSetup>[] = [
  {
    name: "declares limits a pre-fitted JPEG can meet",
    run: (recognizer) => {
      const { limits } = recognizer;
      expect(recognizer.name).toMatch(/^[a-z0-9-]+$/);
      expect(limits.formats).toContain("jpeg");
      expect(limits.minSide).toBeGreaterThanOrEqual(1);
      expect(limits.maxWidth).toBeGreaterThanOrEqual(Math.max(limits.minSide, 512));
      expect(limits.maxHeight).toBeGreaterThanOrEqual(Math.max(limits.minSide, 512));
      expect(limits.maxBytes).toBeGreaterThan(1024 * 1024);
    },
  },
  {
    name: "answers a real photo with well-formed labels or a verdict, JSON-safe for the sidecar",
    run: async (recognizer, setup) => {
      const image = await storedPhoto(setup, `contract/${recognizer.name}.jpg`);
      const found = await recognizer.recognize(image, { cos: setup.cos, signal: live() });
      expect(found.labels !== undefined || found.moderation !== undefined).toBe(true);
      for (const label of found.labels ?? []) {
        expect(label.name.length).toBeGreaterThan(0);
        expect(label.confidence).toBeGreaterThanOrEqual(0);
        expect(label.confidence).toBeLessThanOrEqual(100);
      }
      if (found.moderation) {
        expect([0, 1, 2]).toContain(found.moderation.result);
        expect(found.moderation.score).toBeGreaterThanOrEqual(0);
        expect(found.moderation.score).toBeLessThanOrEqual(100);
      }
      expect(JSON.parse(JSON.stringify(found))).toEqual(found);
    },
  },
  {
    name: "does nothing once the signal is aborted (the invocation's deadline)",
    run: async (recognizer, setup) => {
      const image = await storedPhoto(setup, `contract/aborted-${recognizer.name}.jpg`);
      setup.test.cloud.requests.clear();
      const controller = new AbortController();
      controller.abort(new Error("deadline"));
      await expect(recognizer.recognize(image, { cos: setup.cos, signal: controller.signal })).rejects.toThrow();
      expect(setup.test.cloud.requests.entries.filter((e) => e.query["ci-process"])).toEqual([]);
    },
  },
];
