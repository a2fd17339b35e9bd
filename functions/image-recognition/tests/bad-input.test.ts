import { EXAMPLE_BUCKET, invokeHandler, useTestCloud } from "@cosfn/testing";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { badInputs } from "./bad-inputs.ts";
import {
  ciRequests,
  type ImageHandler,
  loadImageRecognition,
  photo,
  recordedCiAnswers,
  storedSidecar,
  storedTags,
  uploadImage,
} from "./support.ts";

const test = useTestCloud({ cloudInfinite: { responsesDir: recordedCiAnswers } });
let inputs: Record<string, Buffer>;
let main: ImageHandler;

beforeAll(async () => {
  inputs = await badInputs();
  main = await loadImageRecognition();
});
beforeEach(() => test.cloud.requests.clear());

async function run(key: string, bytes: Buffer) {
  const summary = await invokeHandler(main, await uploadImage(test, key, bytes));
  return summary.records[0];
}

describe("refused with a clear permanent outcome, a sidecar saying why, and no provider called", () => {
  it.each([
    ["empty", "bad/empty.jpg", "IMAGE_EMPTY", "the object is empty (0 bytes)"],
    ["truncatedJpeg", "bad/truncated.jpg", "IMAGE_CORRUPT", "premature end of JPEG"],
    ["truncatedPng", "bad/truncated.png", "IMAGE_CORRUPT", "the png image cannot be decoded"],
    ["textAsJpeg", "bad/not-a-photo.jpg", "NOT_AN_IMAGE", "are not an image format"],
    ["pixelBomb", "bad/bomb.png", "IMAGE_PIXEL_LIMIT", "declares 100000x100000 pixels"],
    ["svg", "bad/drawing.svg", "IMAGE_FORMAT_REFUSED", "SVG may reference external files"],
    ["heic", "bad/iphone.heic", "IMAGE_FORMAT_UNSUPPORTED", "HEIC/HEIF with HEVC cannot be decoded"],
  ])("%s", async (name, key, code, message) => {
    const record = await run(key, inputs[name] as Buffer);
    expect(record).toMatchObject({ outcome: "failed", error: { code, retryable: false } });
    expect(record?.error?.message).toContain(`cos://${EXAMPLE_BUCKET}/${key}`);
    expect(record?.error?.message).toContain(message);
    const sidecar = await storedSidecar(test, key);
    expect(sidecar).toMatchObject({ status: "rejected", key, size: inputs[name]?.length, error: { code } });
    expect(sidecar.error.message).toContain(message);
    expect(ciRequests(test)).toEqual([]);
    expect(storedTags(test, key)).toEqual({});
    // The object itself is left as it was: nothing is lost.
    expect(test.cloud.store.head(EXAMPLE_BUCKET, key)?.size).toBe(inputs[name]?.length);
  });

  it("the HEIC is a real HEVC-coded file, whose container sharp reads and whose pixels it cannot decode", async () => {
    // So the refusal above is the one a phone's photo meets: from the metadata (compression hevc), not a parse error.
    const sharp = (await import("sharp")).default;
    const heic = inputs.heic as Buffer;
    expect(heic.subarray(4, 12).toString("latin1")).toBe("ftypheic");
    expect(await sharp(heic).metadata()).toMatchObject({
      format: "heif",
      compression: "hevc",
      width: 600,
      height: 400,
    });
    await expect(sharp(heic).raw().toBuffer()).rejects.toThrow(/HEVC/);
    const record = await run("bad/iphone-2.heic", heic);
    expect(record).toMatchObject({ outcome: "failed", error: { code: "IMAGE_FORMAT_UNSUPPORTED", retryable: false } });
    expect(record?.error?.message).toContain("HEIC/HEIF with HEVC cannot be decoded");
    // Refused from the metadata, before any decoding: the decoder's own error (naming libde265) is not in it.
    expect(record?.error?.message).not.toContain("libde265");
  });

  it("a rejected object's duplicate event costs two HEADs", async () => {
    const again = await invokeHandler(main, await uploadImage(test, "bad/empty-2.jpg", Buffer.alloc(0)));
    expect(again.records[0]?.outcome).toBe("failed");
    test.cloud.requests.clear();
    const { objectEvent } = await import("@cosfn/testing");
    const summary = await invokeHandler(main, objectEvent(["bad/empty-2.jpg"]));
    expect(summary.records[0]).toMatchObject({
      outcome: "skipped",
      reason: expect.stringContaining("already recognized"),
    });
    expect(test.cloud.requests.entries).toHaveLength(2);
  });

  it("the pixel bomb is refused from its header, before any decoding", async () => {
    // A 100k x 100k grey image would need 10 GB decoded; the refusal comes from the metadata alone.
    const before = process.memoryUsage().rss;
    await run("bad/bomb-2.png", inputs.pixelBomb as Buffer);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
    expect(inputs.pixelBomb?.length).toBeLessThan(1024);
  });

  it("SVG is read when FORMATS lists it", async () => {
    const withSvg = await loadImageRecognition({ FORMATS: "jpeg,png,svg" });
    const safe = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48" fill="#08f"/></svg>',
    );
    const summary = await invokeHandler(withSvg, await uploadImage(test, "ok/drawing.svg", safe));
    expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done" });
    expect(await storedSidecar(test, "ok/drawing.svg")).toMatchObject({
      image: { format: "svg", width: 64, height: 48 },
      providers: { "ci-labels": { input: "derivative" }, "ci-moderation": { input: "derivative" } },
    });
  });
});

describe("read, described and recognized", () => {
  it("a PNG named .jpg: the bytes decide, the mismatch is noted", async () => {
    expect(await run("odd/cat.jpg", photo("cat-chelsea.png"))).toMatchObject({ outcome: "done" });
    expect(await storedSidecar(test, "odd/cat.jpg")).toMatchObject({
      image: { format: "png", width: 451, height: 300, extensionMismatch: true },
      providers: { "ci-labels": { input: "original" }, "ci-moderation": { input: "original" } },
    });
  });

  it.each([
    ["animatedGif", "anim/loop.gif", "gif"],
    ["animatedWebp", "anim/loop.webp", "webp"],
  ])(
    "an animated %s: the frame count, the first frame's size; labels get the first frame, moderation every frame",
    async (name, key, format) => {
      expect(await run(key, inputs[name] as Buffer)).toMatchObject({ outcome: "done" });
      const sidecar = await storedSidecar(test, key);
      expect(sidecar).toMatchObject({
        image: { format, frames: 3, width: 120, height: 80 },
        providers: {
          "ci-labels": {
            status: "done",
            input: "derivative",
            reason: expect.stringContaining("it takes one frame of 3"),
          },
          "ci-moderation": { status: "done", input: "original" },
        },
        derivative: { width: 120, height: 80 },
      });
      expect(ciRequests(test).map((r) => [r.process, r.key])).toEqual(
        expect.arrayContaining([
          ["detect-label", sidecar.derivative.key],
          ["sensitive-content-recognition", key],
        ]),
      );
    },
  );

  it("a CMYK JPEG: the colour space reported, the providers given an sRGB derivative", async () => {
    expect(await run("odd/cmyk.jpg", inputs.cmykJpeg as Buffer)).toMatchObject({ outcome: "done" });
    expect(await storedSidecar(test, "odd/cmyk.jpg")).toMatchObject({
      image: { format: "jpeg", colourSpace: "cmyk", channels: 4, width: 600, height: 400 },
      providers: { "ci-labels": { input: "derivative", reason: expect.stringContaining("CMYK") } },
    });
  });

  it("a 16-bit PNG: its depth reported, sent as it is", async () => {
    expect(await run("odd/deep.png", inputs.png16 as Buffer)).toMatchObject({ outcome: "done" });
    expect(await storedSidecar(test, "odd/deep.png")).toMatchObject({
      image: { format: "png", bitDepth: 16, colourSpace: "rgb16", width: 451, height: 300 },
      providers: { "ci-labels": { input: "original" } },
    });
  });

  it("a multi-page TIFF: its pages counted, the first page sent as JPEG", async () => {
    expect(await run("odd/scan.tiff", inputs.multipageTiff as Buffer)).toMatchObject({ outcome: "done" });
    expect(await storedSidecar(test, "odd/scan.tiff")).toMatchObject({
      image: { format: "tiff", frames: 3, width: 120, height: 80 },
      providers: {
        "ci-labels": { input: "derivative", reason: expect.stringContaining("does not take tiff") },
        "ci-moderation": { input: "derivative" },
      },
    });
  });

  it("an AVIF: read by sharp, sent as a JPEG derivative", async () => {
    expect(await run("odd/photo.avif", inputs.avif as Buffer)).toMatchObject({ outcome: "done" });
    expect(await storedSidecar(test, "odd/photo.avif")).toMatchObject({
      image: { format: "avif", width: 300, height: 200 },
      providers: { "ci-labels": { input: "derivative" }, "ci-moderation": { input: "derivative" } },
    });
  });
});
