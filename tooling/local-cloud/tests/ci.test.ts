import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudInfiniteOptions, imageInfo, type LocalCloud, seedObject, startLocalCloud } from "../src/index.ts";
import { jpegHeader, png } from "./images.ts";
import { at, BUCKET, rawRequest, rejection, sdkFor } from "./sdk.ts";

const responsesDir = fileURLToPath(new URL("../../../test-fixtures/responses/ci/", import.meta.url));
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

async function ci(key: string, process: string, client = cos, query: Record<string, string> = {}): Promise<string> {
  const result = await client.request({
    ...at,
    Method: "GET",
    Key: key,
    Query: { "ci-process": process, ...query },
    RawBody: true,
  } as Parameters<typeof client.request>[0]);
  return String((result as { Body: Buffer | string }).Body);
}

/** A CI request signed by hand, for the status and `X-ErrNo` of its answer. */
async function ciRaw(target: LocalCloud, key: string, query: [string, string][]) {
  const answer = await rawRequest(target, { method: "GET", key, query });
  return { status: answer.status, errno: answer.headers["x-errno"], body: answer.body };
}

/** A GIF's first bytes: signature and logical screen size. */
function gif(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.write("GIF89a", 0, "latin1");
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  return header;
}

/** A BMP's file and info headers. */
function bmp(width: number, height: number): Buffer {
  const header = Buffer.alloc(54);
  header.write("BM", 0, "latin1");
  header.writeUInt32LE(14, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(-height, 22); // top-down rows
  return header;
}

/** A lossless WebP's RIFF header and VP8L size bits. */
function webp(width: number, height: number): Buffer {
  const header = Buffer.alloc(30);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(22, 4);
  header.write("WEBPVP8L", 8, "latin1");
  header.writeUInt32LE(8, 16);
  header[20] = 0x2f;
  header.writeUInt32LE(((height - 1) << 14) | (width - 1), 21);
  return header;
}

/** A HEIC's `ftyp` box. */
const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from("ftypheic\0\0\0\0mif1heic", "latin1")]);

async function withCloud<T>(options: CloudInfiniteOptions, work: (target: LocalCloud) => Promise<T>): Promise<T> {
  const target = await startLocalCloud({ buckets: [BUCKET], cloudInfinite: options });
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], cloudInfinite: { responsesDir } });
  cos = sdkFor(cloud);
  await cos.putObject({ ...at, Key: "images/cat.jpg", Body: jpegHeader(640, 480) });
  await cos.putObject({ ...at, Key: "images/dog.png", Body: png(64, 48) });
  await cos.putObject({ ...at, Key: "images/blocked.jpg", Body: jpegHeader(800, 600) });
  await cos.putObject({ ...at, Key: "images/suspicious.jpg", Body: jpegHeader(800, 600) });
  await cos.putObject({ ...at, Key: "images/per-scene.jpg", Body: jpegHeader(800, 600) });
  await cos.putObject({ ...at, Key: "images/single-label.jpg", Body: jpegHeader(800, 600) });
  await cos.putObject({ ...at, Key: "images/tiny.png", Body: png(16, 16) });
  await cos.putObject({ ...at, Key: "docs/readme.txt", Body: "not an image" });
  await cos.putObject({ ...at, Key: "images/anim.gif", Body: gif(320, 240) });
});
afterAll(() => cloud.close());

describe("image checks", () => {
  it("reads format and dimensions from each format's header", () => {
    expect(imageInfo(png(64, 48))).toEqual({ format: "png", width: 64, height: 48 });
    expect(imageInfo(jpegHeader(640, 480))).toEqual({ format: "jpeg", width: 640, height: 480 });
    expect(imageInfo(gif(320, 240))).toEqual({ format: "gif", width: 320, height: 240 });
    expect(imageInfo(bmp(300, 200))).toEqual({ format: "bmp", width: 300, height: 200 });
    expect(imageInfo(webp(1000, 700))).toEqual({ format: "webp", width: 1000, height: 700 });
    expect(imageInfo(heic)).toEqual({ format: "heif", width: undefined, height: undefined });
    expect(imageInfo(Buffer.from("hello"))).toEqual({ format: undefined, width: undefined, height: undefined });
  });

  it("reads a real photograph's size", async () => {
    const photo = await readFile(new URL("../../../test-fixtures/images/food-coffee.jpg", import.meta.url));
    expect(imageInfo(photo)).toEqual({ format: "jpeg", width: 600, height: 400 });
  });
});

describe("detect-label, recorded", () => {
  it("replays the recorded answer for the key, else the default, byte for byte", async () => {
    const recorded = (name: string) => readFile(`${responsesDir}detect-label/${name}`, "utf8");
    expect(await ci("images/cat.jpg", "detect-label")).toBe(await recorded("images%2Fcat.jpg.xml"));
    expect(await ci("images/dog.png", "detect-label")).toBe(await recorded("default.xml"));
    // today's per-scene shape, and the older flat one with a single label
    const perScene = await ci("images/per-scene.jpg", "detect-label", cos, { scenes: "camera,web" });
    expect(perScene).toBe(await recorded("images%2Fper-scene.jpg.xml"));
    expect(perScene).toMatch(/<CameraLabels>[\s\S]*<Name>猫<\/Name>[\s\S]*<\/CameraLabels>\s*<WebLabels>/);
    const single = await ci("images/single-label.jpg", "detect-label");
    expect(single.match(/<Labels>/g)).toHaveLength(1);
    expect(single).toContain("<Name>咖啡</Name>");
  });

  it("refuses what CI refuses, with CI's X-ErrNo", async () => {
    expect(await rejection(ci("docs/readme.txt", "detect-label"))).toMatchObject({
      code: "InvalidImageFormat",
      statusCode: 400,
    });
    expect(await ciRaw(cloud, "docs/readme.txt", [["ci-process", "detect-label"]])).toMatchObject({
      status: 400,
      errno: "-443",
    });
    expect(await ciRaw(cloud, "images/anim.gif", [["ci-process", "detect-label"]])).toMatchObject({ errno: "-443" });
    expect(await ciRaw(cloud, "images/tiny.png", [["ci-process", "detect-label"]])).toMatchObject({
      status: 400,
      errno: "-442",
    });
    const missing = await ciRaw(cloud, "images/none.png", [["ci-process", "detect-label"]]);
    expect(missing).toMatchObject({ status: 404, errno: "-6101" });
    expect(missing.body).toContain("<Code>NoSuchKey</Code>");
    expect(await rejection(ci("images/dog.png", "detect-label", cos, { scenes: "camera,street" }))).toMatchObject({
      code: "InvalidArgument",
    });
  });

  it("refuses images over 3 MB, empty objects and headers cut short", async () => {
    await cos.putObject({
      ...at,
      Key: "images/huge.png",
      Body: Buffer.concat([png(100, 100), Buffer.alloc(3 * 1024 * 1024)]),
    });
    await cos.putObject({ ...at, Key: "images/empty.jpg", Body: Buffer.alloc(0) });
    await cos.putObject({ ...at, Key: "images/cut.jpg", Body: jpegHeader(640, 480).subarray(0, 10) });
    expect(await rejection(ci("images/huge.png", "detect-label"))).toMatchObject({ code: "ImageTooLarge" });
    expect(await ciRaw(cloud, "images/huge.png", [["ci-process", "detect-label"]])).toMatchObject({ errno: "-167" });
    expect(await ciRaw(cloud, "images/empty.jpg", [["ci-process", "detect-label"]])).toMatchObject({
      status: 400,
      errno: "-40168",
    });
    expect(await ciRaw(cloud, "images/cut.jpg", [["ci-process", "detect-label"]])).toMatchObject({ errno: "-441" });
  });

  it("refuses archived objects", async () => {
    await cos.putObject({ ...at, Key: "images/cold.jpg", Body: jpegHeader(640, 480), StorageClass: "ARCHIVE" });
    await cos.putObject({ ...at, Key: "images/deep.jpg", Body: jpegHeader(640, 480), StorageClass: "DEEP_ARCHIVE" });
    for (const key of ["images/cold.jpg", "images/deep.jpg"]) {
      for (const process of ["detect-label", "sensitive-content-recognition"]) {
        expect(await rejection(ci(key, process))).toMatchObject({ code: "InvalidObjectState", statusCode: 403 });
      }
    }
  });
});

describe("sensitive-content-recognition, recorded", () => {
  it("replays the recorded verdicts: block, suspicious, normal", async () => {
    const blocked = await ci("images/blocked.jpg", "sensitive-content-recognition");
    expect(blocked).toContain("<Result>1</Result>");
    expect(blocked).toMatch(
      /<PornInfo>\s*<Code>0<\/Code>\s*<Msg>OK<\/Msg>\s*<HitFlag>1<\/HitFlag>\s*<Score>98<\/Score>/,
    );
    const suspicious = await ci("images/suspicious.jpg", "sensitive-content-recognition");
    expect(suspicious).toContain("<Result>2</Result>");
    expect(suspicious).toMatch(/<AdsInfo>[\s\S]*<HitFlag>2<\/HitFlag>\s*<Score>78<\/Score>/);
    expect(await ci("images/anim.gif", "sensitive-content-recognition")).toContain("<Result>0</Result>");
  });

  it("takes BMP, GIF, WebP and HEIF, which labels refuse", async () => {
    await cos.putObject({ ...at, Key: "m/a.bmp", Body: bmp(300, 200) });
    await cos.putObject({ ...at, Key: "m/a.webp", Body: webp(1000, 700) });
    await cos.putObject({ ...at, Key: "m/a.heic", Body: heic });
    for (const key of ["m/a.bmp", "m/a.webp", "m/a.heic", "images/anim.gif"]) {
      expect(await ci(key, "sensitive-content-recognition")).toContain("<Result>0</Result>");
      expect(await ciRaw(cloud, key, [["ci-process", "detect-label"]])).toMatchObject({ errno: "-443" });
    }
  });

  it("checks 20x20 to 10000x10000 pixels", async () => {
    await cos.putObject({ ...at, Key: "m/small.png", Body: png(19, 40) });
    await cos.putObject({ ...at, Key: "m/edge.png", Body: png(20, 20) });
    await cos.putObject({ ...at, Key: "m/wide.webp", Body: webp(10_001, 100) });
    const process: [string, string] = ["ci-process", "sensitive-content-recognition"];
    expect(await ciRaw(cloud, "m/small.png", [process])).toMatchObject({ status: 400, errno: "-442" });
    expect(await ciRaw(cloud, "m/wide.webp", [process])).toMatchObject({ status: 400, errno: "-442" });
    expect(await ciRaw(cloud, "m/edge.png", [process])).toMatchObject({ status: 200 });
  });

  it("takes over 5 MB only with large-image-detect=1, and never 32 MB", async () => {
    // Seeded straight into the store: uploading 38 MB through the SDK only slows the test down.
    await seedObject(cloud, BUCKET, "m/six.png", Buffer.concat([png(100, 100), Buffer.alloc(6 * 1024 * 1024)]));
    await seedObject(cloud, BUCKET, "m/big.png", Buffer.concat([png(100, 100), Buffer.alloc(32 * 1024 * 1024)]));
    const process: [string, string] = ["ci-process", "sensitive-content-recognition"];
    const refused = await ciRaw(cloud, "m/six.png", [process]);
    expect(refused).toMatchObject({ status: 400, errno: "-167" });
    expect(refused.body).toContain("large-image-detect=1");
    expect(await ciRaw(cloud, "m/six.png", [process, ["large-image-detect", "1"]])).toMatchObject({ status: 200 });
    expect(await ciRaw(cloud, "m/big.png", [process, ["large-image-detect", "1"]])).toMatchObject({
      status: 400,
      errno: "-167",
    });
  });
});

describe("the request log", () => {
  it("records each CI request with its CAM action and CI's resource for the object", async () => {
    await ci("images/cat.jpg", "detect-label", cos, { scenes: "web" }).catch(() => undefined);
    await ci("images/blocked.jpg", "sensitive-content-recognition", cos, { "biz-type": "abc" });
    const logged = cloud.requests.entries.filter((entry) => entry.query["ci-process"] !== undefined).slice(-2);
    expect(logged.map((entry) => [entry.service, entry.action, entry.key, entry.status])).toEqual([
      ["ci", "ci:CreateDetectLabelJob", "images/cat.jpg", 200],
      ["ci", "ci:CreateAuditingPictureJob", "images/blocked.jpg", 200],
    ]);
    expect(logged[0]?.query.scenes).toBe("web");
    expect(logged[1]?.query["biz-type"]).toBe("abc");
    // CI's resource form (docs 460/41741, 598/98114), not the object's COS one.
    expect(logged[1]?.resource).toBe(`qcs::ci:${at.Region}:uid/1250000000:bucket/${BUCKET}/images/blocked.jpg`);
  });
});

describe("throttling", () => {
  it("answers 429 with X-ErrNo -29214 over the configured rate, counted per second", async () => {
    let now = 1_000_000;
    await withCloud({ responsesDir, throttle: { perSecond: 2, now: () => now } }, async (target) => {
      const client = sdkFor(target);
      await client.putObject({ ...at, Key: "r.png", Body: png(40, 40) });
      const call = () => ciRaw(target, "r.png", [["ci-process", "detect-label"]]);
      expect((await call()).status).toBe(200);
      expect((await call()).status).toBe(200);
      const over = await call();
      expect(over).toMatchObject({ status: 429, errno: "-29214" });
      expect(over.body).toContain("<Code>RequestLimitExceeded</Code>");
      now += 1000;
      expect((await call()).status).toBe(200);
      expect(target.requests.entries.filter((entry) => entry.service === "ci").map((entry) => entry.status)).toEqual([
        200, 200, 429, 200,
      ]);
    });
  });

  it("throttles the requests a test chooses", async () => {
    await withCloud(
      { responsesDir, throttle: { when: ({ key, count }) => key === "flaky.png" && count <= 2 } },
      async (target) => {
        const client = sdkFor(target);
        await client.putObject({ ...at, Key: "flaky.png", Body: png(40, 40) });
        await client.putObject({ ...at, Key: "fine.png", Body: png(40, 40) });
        const process: [string, string] = ["ci-process", "sensitive-content-recognition"];
        expect(await ciRaw(target, "flaky.png", [process])).toMatchObject({ status: 429, errno: "-29214" });
        expect(await ciRaw(target, "fine.png", [process])).toMatchObject({ status: 200 });
        expect(await ciRaw(target, "flaky.png", [process])).toMatchObject({ status: 429 });
        expect(await ciRaw(target, "flaky.png", [process])).toMatchObject({ status: 200 });
      },
    );
  });
});

describe("a pluggable recognizer", () => {
  it("is asked once per scene, and answered in one container per scene", async () => {
    const asked: string[] = [];
    await withCloud(
      {
        recognizer: {
          detectLabel: async (image) => {
            asked.push(`${image.key} ${image.info.width}x${image.info.height} ${image.scene}`);
            return image.scene === "camera"
              ? [{ name: "测试", confidence: 87.6, firstCategory: "物品", secondCategory: "其他" }]
              : [{ name: "网图", confidence: 40 }];
          },
        },
      },
      async (target) => {
        const client = sdkFor(target);
        await client.putObject({ ...at, Key: "x.png", Body: png(40, 40) });
        expect(await ci("x.png", "detect-label", client)).toContain(
          "<RecognitionResult><CameraLabels><Labels><Confidence>88</Confidence><Name>测试</Name><FirstCategory>物品</FirstCategory><SecondCategory>其他</SecondCategory></Labels></CameraLabels></RecognitionResult>",
        );
        const both = await ci("x.png", "detect-label", client, { scenes: "web,camera" });
        expect(both).toMatch(/<RecognitionResult><WebLabels><Labels><Confidence>40<\/Confidence><Name>网图<\/Name>/);
        expect(both).toContain("</WebLabels><CameraLabels>");
        expect(asked).toEqual(["x.png 40x40 camera", "x.png 40x40 web", "x.png 40x40 camera"]);
      },
    );
  });

  it("moderates under the biz-type's policy: only its scenes, each with Code and Msg", async () => {
    const policies: (string | undefined)[] = [];
    await withCloud(
      {
        bizTypes: { adsonly: ["Ads"], strict: ["Porn", "Ads", "Politics", "Terrorism", "Teenager"] },
        recognizer: {
          moderate: async (image) => {
            policies.push(image.bizType);
            return { result: 2, label: "Ads", score: 77, category: "QRCode", subLabel: "QRCode" };
          },
        },
      },
      async (target) => {
        const client = sdkFor(target);
        await client.putObject({ ...at, Key: "x.png", Body: png(40, 40) });
        const process = "sensitive-content-recognition";
        const ads = await ci("x.png", process, client, { "biz-type": "adsonly", dataid: "row-7" });
        expect(ads).toContain("<Object>x.png</Object><DataId>row-7</DataId><Result>2</Result><Label>Ads</Label>");
        expect(ads).toContain(
          "<AdsInfo><Code>0</Code><Msg>OK</Msg><HitFlag>2</HitFlag><Score>77</Score><Label>Ads</Label><Category>QRCode</Category><SubLabel>QRCode</SubLabel></AdsInfo></RecognitionResult>",
        );
        expect(ads).not.toContain("PornInfo");
        const strict = await ci("x.png", process, client, { "biz-type": "strict" });
        expect(strict.match(/<(\w+)Info>/g)).toEqual([
          "<PornInfo>",
          "<AdsInfo>",
          "<PoliticsInfo>",
          "<TerrorismInfo>",
          "<TeenagerInfo>",
        ]);
        expect(strict).toContain("<PornInfo><Code>0</Code><Msg>OK</Msg><HitFlag>0</HitFlag><Score>0</Score>");
        expect(await rejection(ci("x.png", process, client, { "biz-type": "nosuch" }))).toMatchObject({
          code: "InvalidArgument",
        });
        expect(policies).toEqual(["adsonly", "strict"]);
      },
    );
  });
});
