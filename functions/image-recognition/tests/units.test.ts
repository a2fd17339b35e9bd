import { EnvReader } from "@cosfn/runtime";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { summarizeExif } from "../src/exif.ts";
import { extensionMismatch, sniffFormat } from "../src/formats.ts";
import { loadSharp, runtimeLibc } from "../src/sharp-loader.ts";
import { outputKey } from "../src/sidecar.ts";
import { labelsTagValue, tagValue } from "../src/tags.ts";
import { badInputs } from "./bad-inputs.ts";
import { photo } from "./support.ts";

describe("sniffFormat", () => {
  it("tells every format from its first bytes, whatever the name", async () => {
    const inputs = await badInputs();
    expect(sniffFormat(photo("food-coffee.jpg"))).toBe("jpeg");
    expect(sniffFormat(photo("cat-chelsea.png"))).toBe("png");
    expect(sniffFormat(inputs.animatedGif as Buffer)).toBe("gif");
    expect(sniffFormat(inputs.animatedWebp as Buffer)).toBe("webp");
    expect(sniffFormat(inputs.multipageTiff as Buffer)).toBe("tiff");
    expect(sniffFormat(inputs.avif as Buffer)).toBe("avif");
    expect(sniffFormat(inputs.heic as Buffer)).toBe("heif");
    expect(sniffFormat(inputs.svg as Buffer)).toBe("svg");
    expect(sniffFormat(await sharp(photo("food-coffee.jpg")).resize(40).tiff().toBuffer())).toBe("tiff");
    expect(sniffFormat(inputs.textAsJpeg as Buffer)).toBeUndefined();
    expect(sniffFormat(Buffer.alloc(0))).toBeUndefined();
    expect(sniffFormat(Buffer.from("BM not really a bitmap"))).toBeUndefined();
  });

  it("notes an extension that names another format, not a missing or unknown one", () => {
    expect(extensionMismatch("a/cat.jpg", "png")).toBe(true);
    expect(extensionMismatch("a/cat.JPEG", "jpeg")).toBe(false);
    expect(extensionMismatch("a/cat", "jpeg")).toBe(false);
    expect(extensionMismatch("a.d/cat.bin", "jpeg")).toBe(false);
  });
});

describe("summarizeExif", () => {
  it("reads the camera, the time, the orientation and whether there is a GPS block", async () => {
    const jpeg = await sharp(photo("food-coffee.jpg"))
      .withExif({
        IFD0: { Make: "Canon", Model: "EOS 5D", Software: "cosfn test" },
        IFD2: { DateTimeOriginal: "2024:05:01 10:20:30" },
        IFD3: { GPSLatitudeRef: "N" },
      })
      .jpeg()
      .toBuffer();
    const { exif, orientation } = await sharp(jpeg).metadata();
    expect(summarizeExif(exif)).toEqual({
      make: "Canon",
      model: "EOS 5D",
      software: "cosfn test",
      takenAt: "2024:05:01 10:20:30",
      orientation,
      hasGps: true,
    });
    const rotated = await sharp(photo("person-astronaut-orientation-6.jpg")).metadata();
    expect(summarizeExif(rotated.exif)).toMatchObject({ orientation: 6, hasGps: false });
  });

  it("gives undefined for a block it cannot read, and never reads past it", () => {
    expect(summarizeExif(undefined)).toBeUndefined();
    expect(summarizeExif(Buffer.from("Exif\0\0garbage-garbage"))).toBeUndefined();
    // An IFD claiming 65,535 entries in a 16-byte block, then one whose Make points past the end.
    expect(summarizeExif(Buffer.from("Exif\0\0II*\0\x08\0\0\0\xff\xff", "latin1"))).toBeUndefined();
    const pastEnd = Buffer.from("Exif\0\0II*\0\x08\0\0\0\x01\0\x0f\x01\x02\0\x20\0\0\0\xf0\0\0\0\0\0\0\0", "latin1");
    expect(summarizeExif(pastEnd)).toEqual({ hasGps: false });
  });
});

describe("tags", () => {
  it("keeps COS's tag characters only: a comma and other signs become _, at most 255 characters", () => {
    expect(tagValue("cat, dog; bird")).toBe("cat_ dog_ bird");
    expect(tagValue("猫 + 狗 = 宠物 @home")).toBe("猫 + 狗 = 宠物 @home");
    expect(tagValue("   ")).toBeUndefined();
    expect([...(tagValue("长".repeat(400)) as string)]).toHaveLength(255);
  });

  it("puts the confident labels in, each once, joined by /, within 255 characters", () => {
    const labels = [
      { name: "猫", confidence: 96 },
      { name: "猫", confidence: 90 },
      { name: "a/b", confidence: 80 },
      { name: "动物", confidence: 61 },
      { name: "宠物", confidence: 40 },
    ];
    expect(labelsTagValue(labels, 5, 60)).toBe("猫/a b/动物");
    expect(labelsTagValue(labels, 1, 60)).toBe("猫");
    expect(labelsTagValue(labels, 5, 99)).toBeUndefined();
    const long = Array.from({ length: 10 }, (_, i) => ({ name: `${"x".repeat(60)}${i}`, confidence: 90 }));
    expect((labelsTagValue(long, 10, 0) as string).length).toBeLessThanOrEqual(255);
  });
});

describe("outputKey", () => {
  it("keeps the key under the prefix, or hashes it when COS's 850 bytes would be passed", () => {
    expect(outputKey("r/", "a/b.jpg", ".json")).toBe("r/a/b.jpg.json");
    const long = `${"长".repeat(280)}.jpg`; // 844 bytes
    expect(outputKey("r/", long, ".json")).toMatch(/^r\/by-hash\/[0-9a-f]{64}\.json$/);
  });
});

describe("loadConfig", () => {
  const load = (env: Record<string, string>) => loadConfig(new EnvReader(env));

  it("has defaults for everything", () => {
    expect(load({})).toMatchObject({
      providers: ["ci-labels", "ci-moderation"],
      labelScenes: ["camera"],
      labelsTag: "cosfn-labels",
      moderationTag: "cosfn-moderation",
      sidecarPrefix: ".cosfn/image-recognition/results/",
      maxPixels: 100_000_000,
      maxBytes: 64 * 1024 * 1024,
      formats: ["jpeg", "png", "gif", "webp", "tiff", "heif", "avif"],
      failOn: "truncated",
      moderationRules: [
        { category: "*", minScore: 91, action: "review" },
        { category: "*", minScore: 61, action: "tag" },
      ],
    });
  });

  it("refuses bad settings, naming the variable", () => {
    expect(() => load({ PROVIDERS: "ci-labels,rekognition" })).toThrow("PROVIDERS");
    expect(() => load({ LABEL_SCENES: "street" })).toThrow("LABEL_SCENES");
    expect(() => load({ MODERATION_RULES: "porn:delete" })).toThrow("MODERATION_RULES");
    expect(() => load({ LABELS_TAG: "a,b" })).toThrow("no commas");
    expect(() => load({ SIDECAR_PREFIX: "results" })).toThrow("SIDECAR_PREFIX");
    expect(() => load({ FORMATS: "jpeg,psd" })).toThrow("FORMATS");
    expect(() => load({ FAIL_ON: "sometimes" })).toThrow("FAIL_ON");
    expect(load({ PROVIDERS: "none" }).providers).toEqual([]);
    expect(load({ LABELS_TAG: "off", MODERATION_TAG: "OFF" })).toMatchObject({
      labelsTag: undefined,
      moderationTag: undefined,
    });
  });
});

describe("loadSharp", () => {
  it("loads sharp once, with its libvips, and names the runtime's C library for a failure's message", () => {
    const first = loadSharp();
    expect(first.versions.vips).toMatch(/^\d+\.\d+/);
    expect(loadSharp()).toBe(first);
    expect(runtimeLibc()).toMatch(/^glibc \d+\.\d+$/);
  });
});
