import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageInfo, type LocalCloud, startLocalCloud } from "../src/index.ts";
import { jpegHeader, png } from "./images.ts";
import { at, BUCKET, rejection, sdkFor } from "./sdk.ts";

const responsesDir = fileURLToPath(new URL("../../../test-fixtures/responses/ci/", import.meta.url));
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

async function ci(key: string, process: string): Promise<string> {
  const result = await cos.request({
    ...at,
    Method: "GET",
    Key: key,
    Query: { "ci-process": process },
    RawBody: true,
  } as Parameters<typeof cos.request>[0]);
  return String((result as { Body: Buffer | string }).Body);
}

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], cloudInfinite: { responsesDir } });
  cos = sdkFor(cloud);
  await cos.putObject({ ...at, Key: "images/cat.jpg", Body: jpegHeader(640, 480) });
  await cos.putObject({ ...at, Key: "images/dog.png", Body: png(64, 48) });
  await cos.putObject({ ...at, Key: "images/blocked.jpg", Body: jpegHeader(800, 600) });
  await cos.putObject({ ...at, Key: "images/tiny.png", Body: png(16, 16) });
  await cos.putObject({ ...at, Key: "docs/readme.txt", Body: "not an image" });
  await cos.putObject({
    ...at,
    Key: "images/anim.gif",
    Body: Buffer.concat([Buffer.from("GIF89a"), Buffer.alloc(20)]),
  });
});
afterAll(() => cloud.close());

describe("image checks", () => {
  it("reads format and dimensions", () => {
    expect(imageInfo(png(64, 48))).toEqual({ format: "png", width: 64, height: 48 });
    expect(imageInfo(jpegHeader(640, 480))).toEqual({ format: "jpeg", width: 640, height: 480 });
    expect(imageInfo(Buffer.from("hello"))).toEqual({ format: undefined, width: undefined, height: undefined });
  });
});

describe("detect-label", () => {
  it("answers from the recorded response for the key, else the default", async () => {
    expect(await ci("images/cat.jpg", "detect-label")).toContain("<Name>猫</Name>");
    const other = await ci("images/dog.png", "detect-label");
    expect(other).toContain("<RecognitionResult>");
    expect(other).toContain("<Name>图片</Name>");
  });

  it("refuses what CI refuses: other formats, too few pixels, missing objects", async () => {
    expect(await rejection(ci("docs/readme.txt", "detect-label"))).toMatchObject({
      code: "InvalidImageFormat",
      statusCode: 400,
    });
    expect(await rejection(ci("images/anim.gif", "detect-label"))).toMatchObject({ code: "InvalidImageFormat" });
    expect(await rejection(ci("images/tiny.png", "detect-label"))).toMatchObject({ code: "InvalidImageSize" });
    expect(await rejection(ci("images/none.png", "detect-label"))).toMatchObject({ code: "NoSuchKey" });
  });

  it("refuses images over 3 MB", async () => {
    await cos.putObject({
      ...at,
      Key: "images/huge.png",
      Body: Buffer.concat([png(100, 100), Buffer.alloc(3 * 1024 * 1024)]),
    });
    expect(await rejection(ci("images/huge.png", "detect-label"))).toMatchObject({ code: "ImageTooLarge" });
  });
});

describe("sensitive-content-recognition", () => {
  it("answers the recorded verdicts", async () => {
    const blocked = await ci("images/blocked.jpg", "sensitive-content-recognition");
    expect(blocked).toContain("<Result>1</Result>");
    expect(blocked).toContain("<Label>Porn</Label>");
    expect(await ci("images/anim.gif", "sensitive-content-recognition")).toContain("<Result>0</Result>");
  });
});

describe("a pluggable recognizer", () => {
  it("answers in CI's XML instead of the recordings", async () => {
    const seen: string[] = [];
    const withRecognizer = await startLocalCloud({
      buckets: [BUCKET],
      cloudInfinite: {
        recognizer: {
          detectLabel: async (image) => {
            seen.push(`${image.key} ${image.info.width}x${image.info.height}`);
            return [{ name: "测试", confidence: 87.6 }];
          },
          moderate: async () => ({ result: 2, label: "Ads", score: 77 }),
        },
      },
    });
    try {
      const client = sdkFor(withRecognizer);
      await client.putObject({ ...at, Key: "x.png", Body: png(40, 40) });
      const call = (process: string) =>
        client.request({
          ...at,
          Method: "GET",
          Key: "x.png",
          Query: { "ci-process": process },
          RawBody: true,
        } as Parameters<typeof client.request>[0]);
      const labels = String(((await call("detect-label")) as { Body: Buffer }).Body);
      expect(labels).toContain("<Labels><Confidence>88</Confidence><Name>测试</Name></Labels>");
      expect(seen).toEqual(["x.png 40x40"]);
      const verdict = String(((await call("sensitive-content-recognition")) as { Body: Buffer }).Body);
      expect(verdict).toContain("<Result>2</Result>");
      expect(verdict).toContain("<AdsInfo><HitFlag>2</HitFlag><Score>77</Score><Label>Ads</Label>");
    } finally {
      await withRecognizer.close();
    }
  });
});
