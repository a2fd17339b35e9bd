import { createHash } from "node:crypto";
import { EXAMPLE_BUCKET, invokeHandler, objectEvent, useTestCloud } from "@cosfn/testing";
import sharp from "sharp";
import { beforeEach, describe, expect, it } from "vitest";
import {
  ciRequests,
  loadImageRecognition,
  photo,
  recordedCiAnswers,
  storedSidecar,
  storedTags,
  uploadImage,
} from "./support.ts";

const test = useTestCloud({
  cloudInfinite: {
    responsesDir: recordedCiAnswers,
    // CI's own throttling (429, X-ErrNo -29214): twice for throttled/, always for overloaded/.
    throttle: {
      when: ({ key, count }) => (key.startsWith("throttled/") && count <= 2) || key.startsWith("overloaded/"),
    },
  },
});

beforeEach(() => test.cloud.requests.clear());

/** Bits that differ between two 16-hex-digit hashes. */
function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let bits = 0;
  for (; x > 0n; x >>= 1n) bits += Number(x & 1n);
  return bits;
}

describe("a photo uploaded", () => {
  it("is labelled and moderated, its tags merged with its own, and described in a sidecar for its ETag", async () => {
    const main = await loadImageRecognition();
    const bytes = photo("food-coffee.jpg");
    const event = await uploadImage(test, "photos/coffee.jpg", bytes, { tags: { owner: "alice" } });
    const summary = await invokeHandler(main, event);
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });

    const etag = test.cloud.store.head(EXAMPLE_BUCKET, "photos/coffee.jpg")?.etag.replace(/"/g, "");
    const sidecar = await storedSidecar(test, "photos/coffee.jpg");
    expect(sidecar).toMatchObject({
      function: "image-recognition",
      bucket: EXAMPLE_BUCKET,
      key: "photos/coffee.jpg",
      etag,
      size: bytes.length,
      status: "recognized",
      image: {
        format: "jpeg",
        width: 600,
        height: 400,
        orientation: 1,
        frames: 1,
        colourSpace: "srgb",
        channels: 3,
        bitDepth: 8,
        hasAlpha: false,
        extensionMismatch: false,
      },
      // test-fixtures/responses/ci/detect-label/default.xml, highest confidence first
      labels: [
        { name: "图片", confidence: 71, scene: "camera" },
        { name: "设计", confidence: 52, scene: "camera" },
      ],
      moderation: { result: 0, label: "Normal", decision: { action: "none" } },
      providers: {
        "ci-labels": { status: "done", input: "original" },
        "ci-moderation": { status: "done", input: "original" },
      },
      actions: [],
    });
    expect(sidecar.image.dhash).toMatch(/^[0-9a-f]{16}$/);
    expect(sidecar.moderation.categories.porn).toMatchObject({ hitFlag: 0, score: 2 });
    // Only labels of at least TAG_MIN_CONFIDENCE (60) go into the tag; the owner's tag stays.
    expect(storedTags(test, "photos/coffee.jpg")).toEqual({ owner: "alice", "cosfn-labels": "图片" });
    expect(ciRequests(test).map(({ process, key, query }) => [process, key, query.scenes])).toEqual(
      expect.arrayContaining([
        ["detect-label", "photos/coffee.jpg", "camera"],
        ["sensitive-content-recognition", "photos/coffee.jpg", undefined],
      ]),
    );
    const stored = test.cloud.store.head(EXAMPLE_BUCKET, ".cosfn/image-recognition/results/photos/coffee.jpg.json");
    expect(stored?.meta).toMatchObject({
      "x-cos-meta-cosfn-etag": etag,
      "x-cos-meta-cosfn-function": "image-recognition",
    });
  });

  it("costs one HEAD of the object and one of its sidecar when the event comes again (same ETag)", async () => {
    const main = await loadImageRecognition();
    const event = await uploadImage(test, "photos/again.jpg", photo("vehicle-airplane.jpg"));
    expect((await invokeHandler(main, event)).records[0]?.outcome).toBe("done");
    test.cloud.requests.clear();
    const again = await invokeHandler(main, event);
    expect(again.records[0]).toMatchObject({
      outcome: "skipped",
      reason: expect.stringContaining("already recognized"),
    });
    expect(test.cloud.requests.entries.map((e) => [e.method, e.key])).toEqual([
      ["HEAD", "photos/again.jpg"],
      ["HEAD", ".cosfn/image-recognition/results/photos/again.jpg.json"],
    ]);
  });

  it("is recognized again once replaced (a new ETag)", async () => {
    const main = await loadImageRecognition();
    await invokeHandler(main, await uploadImage(test, "photos/replaced.jpg", photo("vehicle-airplane.jpg")));
    const first = await storedSidecar(test, "photos/replaced.jpg");
    const summary = await invokeHandler(main, await uploadImage(test, "photos/replaced.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0]?.outcome).toBe("done");
    const second = await storedSidecar(test, "photos/replaced.jpg");
    expect(second.etag).not.toBe(first.etag);
    expect(second.image.width).toBe(600);
  });

  it("skips the function's own outputs: its prefixes, and anything carrying its writer marker", async () => {
    const main = await loadImageRecognition();
    const own = await invokeHandler(main, objectEvent([".cosfn/image-recognition/results/photos/coffee.jpg.json"]));
    expect(own.records[0]).toMatchObject({ outcome: "skipped", reason: expect.stringContaining("loop guard") });
    // Written elsewhere by the function (a setting moved a prefix): the event has no metadata, the HEAD has.
    const { Readable } = await import("node:stream");
    await test.cloud.store.put(EXAMPLE_BUCKET, "elsewhere/copy.jpg", Readable.from([photo("food-coffee.jpg")]), {
      contentType: "image/jpeg",
      headers: {},
      meta: { "x-cos-meta-cosfn-function": "image-recognition" },
      storageClass: "STANDARD",
      tags: [],
    });
    const marked = await invokeHandler(main, objectEvent(["elsewhere/copy.jpg"]));
    expect(marked.records[0]).toMatchObject({ outcome: "skipped", reason: expect.stringContaining("written by") });
    expect(ciRequests(test)).toEqual([]);
  });

  it("applies EXIF orientation before any provider sees the image: both get an upright derivative", async () => {
    const main = await loadImageRecognition({ KEEP_DERIVATIVES: "true" });
    const event = await uploadImage(test, "photos/sideways.jpg", photo("person-astronaut-orientation-6.jpg"));
    const summary = await invokeHandler(main, event);
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });
    const derivativeKey = ".cosfn/image-recognition/derivatives/photos/sideways.jpg.jpg";
    const sidecar = await storedSidecar(test, "photos/sideways.jpg");
    expect(sidecar).toMatchObject({
      image: { orientation: 6, width: 512, height: 512 },
      providers: {
        "ci-labels": { status: "done", input: "derivative", reason: expect.stringContaining("orientation 6") },
        "ci-moderation": { status: "done", input: "derivative" },
      },
      derivative: { key: derivativeKey, width: 512, height: 512, kept: true },
    });
    expect(ciRequests(test).map((r) => r.key)).toEqual([derivativeKey, derivativeKey]);
    const { storedBytes } = await import("@cosfn/testing");
    const derivative = await storedBytes(test.cloud, EXAMPLE_BUCKET, derivativeKey);
    const metadata = await sharp(derivative).metadata();
    expect(metadata).toMatchObject({ format: "jpeg", space: "srgb" });
    expect(metadata.orientation).toBeUndefined();
    expect(metadata.exif).toBeUndefined();
    expect(test.cloud.store.head(EXAMPLE_BUCKET, derivativeKey)?.meta).toMatchObject({
      "x-cos-meta-cosfn-function": "image-recognition",
    });
    // The derivative's pixels are the upright photo: its dHash is the upright original's, give or take JPEG.
    const upright = await invokeHandler(
      main,
      await uploadImage(test, "photos/upright.jpg", photo("person-astronaut.jpg")),
    );
    expect(upright.records[0]?.outcome).toBe("done");
    const uprightHash = (await storedSidecar(test, "photos/upright.jpg")).image.dhash;
    expect(hamming(sidecar.image.dhash, uprightHash)).toBeLessThanOrEqual(4);
    const storedPixelsHash = createHash("sha256").update(derivative).digest("hex");
    expect(storedPixelsHash).not.toBe(createHash("sha256").update(photo("person-astronaut.jpg")).digest("hex"));
  });

  it("removes the derivative after the providers ran unless KEEP_DERIVATIVES", async () => {
    const main = await loadImageRecognition();
    const event = await uploadImage(test, "photos/sideways-2.jpg", photo("person-astronaut-orientation-6.jpg"));
    expect((await invokeHandler(main, event)).records[0]?.outcome).toBe("done");
    const sidecar = await storedSidecar(test, "photos/sideways-2.jpg");
    expect(sidecar.derivative).toMatchObject({ kept: false });
    expect(test.cloud.store.head(EXAMPLE_BUCKET, sidecar.derivative.key)).toBeUndefined();
    expect(test.cloud.requests.entries.filter((e) => e.method === "DELETE").map((e) => e.key)).toEqual([
      sidecar.derivative.key,
    ]);
  });

  it("reads the per-scene and the lone-label answers recorded in test-fixtures", async () => {
    const main = await loadImageRecognition({ LABEL_SCENES: "camera,web", TAG_MIN_CONFIDENCE: "80" });
    expect(
      (await invokeHandler(main, await uploadImage(test, "images/per-scene.jpg", photo("cat-chelsea.png")))).records[0]
        ?.outcome,
    ).toBe("done");
    expect((await storedSidecar(test, "images/per-scene.jpg")).labels).toEqual([
      { name: "猫", confidence: 93, scene: "camera", firstCategory: "动物", secondCategory: "宠物" },
      { name: "橘猫", confidence: 81, scene: "web", firstCategory: "动物", secondCategory: "猫" },
      { name: "沙发", confidence: 64, scene: "camera", firstCategory: "物品", secondCategory: "家具" },
    ]);
    expect(storedTags(test, "images/per-scene.jpg")).toEqual({ "cosfn-labels": "猫/橘猫" });
    expect(ciRequests(test).find((r) => r.process === "detect-label")?.query.scenes).toBe("camera,web");
    expect(
      (await invokeHandler(main, await uploadImage(test, "images/single-label.jpg", photo("food-coffee.jpg"))))
        .records[0]?.outcome,
    ).toBe("done");
    expect((await storedSidecar(test, "images/single-label.jpg")).labels).toEqual([{ name: "咖啡", confidence: 88 }]);
  });

  it("waits out CI's throttling (429, X-ErrNo -29214) with backoff, and finishes", async () => {
    const main = await loadImageRecognition();
    const summary = await invokeHandler(main, await uploadImage(test, "throttled/a.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });
    const statuses = ciRequests(test).map((r) => `${r.process}:${r.status}`);
    expect(statuses.filter((s) => s.endsWith(":429"))).toHaveLength(4);
    expect(statuses.filter((s) => s.endsWith(":200"))).toHaveLength(2);
    expect((await storedSidecar(test, "throttled/a.jpg")).providers).toMatchObject({
      "ci-labels": { status: "done" },
      "ci-moderation": { status: "done" },
    });
  });

  it("fails retryably when throttling outlasts CI_ATTEMPTS, writing no sidecar, so SCF retries the event", async () => {
    const main = await loadImageRecognition({ CI_ATTEMPTS: "2" });
    const summary = await invokeHandler(main, await uploadImage(test, "overloaded/a.jpg", photo("food-coffee.jpg")));
    expect(summary.records[0]).toMatchObject({ outcome: "failed", error: { code: "CI_THROTTLED", retryable: true } });
    expect(summary.records[0]?.error?.message).toContain("X-ErrNo -29214");
    expect(ciRequests(test)).toHaveLength(4);
    await expect(storedSidecar(test, "overloaded/a.jpg")).rejects.toThrow();
    expect(storedTags(test, "overloaded/a.jpg")).toEqual({});
  });

  it("a large photo (over 5 MB): moderation reads the original with large-image-detect=1, labels a 3 MB-safe derivative", async () => {
    const width = 3000;
    const height = 2000;
    const grain = await sharp({
      create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 60 } },
    })
      .raw()
      .toBuffer();
    const large = await sharp(grain, { raw: { width, height, channels: 3 } })
      .composite([{ input: await sharp(photo("food-coffee.jpg")).resize(width, height).toBuffer(), blend: "overlay" }])
      .jpeg({ quality: 98 })
      .toBuffer();
    expect(large.length).toBeGreaterThan(5 * 1024 * 1024);
    const main = await loadImageRecognition();
    const summary = await invokeHandler(main, await uploadImage(test, "large/photo.jpg", large));
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });
    const sidecar = await storedSidecar(test, "large/photo.jpg");
    expect(sidecar).toMatchObject({
      size: large.length,
      providers: {
        "ci-labels": {
          status: "done",
          input: "derivative",
          reason: expect.stringContaining(`${large.length} bytes is over its 3145728`),
        },
        "ci-moderation": { status: "done", input: "original" },
      },
      derivative: { width: 1500, height: 1000 },
    });
    expect(sidecar.derivative.size).toBeLessThanOrEqual(3 * 1024 * 1024);
    const moderation = ciRequests(test).find((r) => r.process === "sensitive-content-recognition");
    expect(moderation).toMatchObject({ key: "large/photo.jpg", status: 200, query: { "large-image-detect": "1" } });
  }, 60_000);
});
