import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CosError } from "./cos/errors.ts";
import type { CiProcessHandler } from "./cos/request.ts";
import type { ObjectStore, StoredObject } from "./cos/store.ts";
import { type XmlNode, xmlDocument } from "./cos/xml.ts";

/** An image's format and size, read from its first bytes. */
export interface ImageInfo {
  format: "png" | "jpeg" | "gif" | "bmp" | "webp" | undefined;
  width: number | undefined;
  height: number | undefined;
}

/** A recognizer the local cloud can answer Cloud Infinite requests with, instead of recorded responses. */
export interface Recognizer {
  /** Labels with a confidence from 0 to 100; names are Chinese in real CI answers. */
  detectLabel?(image: { key: string; bytes: Buffer; info: ImageInfo }): Promise<{ name: string; confidence: number }[]>;
  /** COS's moderation verdict: 0 normal, 1 block, 2 suspicious. */
  moderate?(image: {
    key: string;
    bytes: Buffer;
    info: ImageInfo;
  }): Promise<{ result: 0 | 1 | 2; label: string; score: number }>;
}

export interface CloudInfiniteOptions {
  /**
   * A folder with recorded answers: `<process>/<encodeURIComponent(key)>.xml` for one object,
   * `<process>/default.xml` for the rest (e.g. `test-fixtures/responses/ci`).
   */
  responsesDir?: string;
  recognizer?: Recognizer;
}

/** What each process accepts, per REFERENCE §3 (labels: PNG/JPG, at most 3 MB, 32x32 to 7680x4320). */
const LIMITS = {
  "detect-label": { formats: ["png", "jpeg"], maxBytes: 3 * 1024 * 1024, minSide: 32, maxWidth: 7680, maxHeight: 4320 },
  "sensitive-content-recognition": {
    formats: ["png", "jpeg", "gif", "bmp", "webp"],
    maxBytes: 5 * 1024 * 1024,
    minSide: 1,
    maxWidth: 30_000,
    maxHeight: 30_000,
  },
} as const;

type Process = keyof typeof LIMITS;

/** Reads an image's format and, for PNG and JPEG, its dimensions. */
export function imageInfo(bytes: Buffer): ImageInfo {
  if (
    bytes.length >= 24 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  ) {
    return { format: "png", width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return { format: "jpeg", ...jpegSize(bytes) };
  }
  const head = bytes.subarray(0, 12).toString("latin1");
  if (head.startsWith("GIF87a") || head.startsWith("GIF89a"))
    return { format: "gif", width: undefined, height: undefined };
  if (head.startsWith("BM")) return { format: "bmp", width: undefined, height: undefined };
  if (head.startsWith("RIFF") && head.slice(8, 12) === "WEBP")
    return { format: "webp", width: undefined, height: undefined };
  return { format: undefined, width: undefined, height: undefined };
}

/** Walks JPEG segments to the first start-of-frame marker, which holds the dimensions. */
function jpegSize(bytes: Buffer): { width: number | undefined; height: number | undefined } {
  let at = 2;
  while (at + 9 < bytes.length) {
    if (bytes[at] !== 0xff) return { width: undefined, height: undefined };
    const marker = bytes[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    at += 2 + bytes.readUInt16BE(at + 2);
  }
  return { width: undefined, height: undefined };
}

async function readObject(store: ObjectStore, bucket: string, object: StoredObject): Promise<Buffer> {
  const { stream } = store.read(bucket, object.key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function checkImage(process: Process, object: StoredObject, info: ImageInfo): void {
  const limits = LIMITS[process];
  if (!info.format || !(limits.formats as readonly string[]).includes(info.format)) {
    throw new CosError(
      "InvalidImageFormat",
      `${process} supports ${limits.formats.join(", ")} images; ${object.key} is ${info.format ?? "not an image"}`,
    );
  }
  if (object.size > limits.maxBytes) {
    throw new CosError(
      "ImageTooLarge",
      `${process} accepts images up to ${limits.maxBytes} bytes; ${object.key} has ${object.size}`,
    );
  }
  const { width, height } = info;
  if (
    width !== undefined &&
    height !== undefined &&
    (width < limits.minSide || height < limits.minSide || width > limits.maxWidth || height > limits.maxHeight)
  ) {
    throw new CosError(
      "InvalidImageSize",
      `${process} accepts ${limits.minSide}x${limits.minSide} to ${limits.maxWidth}x${limits.maxHeight} pixels; ${object.key} is ${width}x${height}`,
    );
  }
}

function labelsXml(labels: { name: string; confidence: number }[]): string {
  return xmlDocument([
    "RecognitionResult",
    labels.map(
      (label): XmlNode => [
        "Labels",
        [
          ["Confidence", Math.round(label.confidence)],
          ["Name", label.name],
        ],
      ],
    ),
  ]);
}

function moderationXml(key: string, verdict: { result: 0 | 1 | 2; label: string; score: number }): string {
  const info = (name: string, hit: boolean): XmlNode => [
    name,
    [
      ["HitFlag", hit ? verdict.result : 0],
      ["Score", hit ? verdict.score : 0],
      ["Label", hit ? verdict.label : ""],
      ["SubLabel", ""],
    ],
  ];
  return xmlDocument([
    "RecognitionResult",
    [
      ["JobId", `si${Date.now().toString(16)}`],
      ["State", "Success"],
      ["Object", key],
      ["Result", verdict.result],
      ["Label", verdict.label],
      ["Score", verdict.score],
      ["Category", ""],
      ["SubLabel", ""],
      info("PornInfo", verdict.label === "Porn"),
      info("AdsInfo", verdict.label === "Ads"),
      info("TerrorismInfo", verdict.label === "Terrorism"),
      info("PoliticsInfo", verdict.label === "Politics"),
    ],
  ]);
}

async function recorded(dir: string, process: Process, key: string): Promise<string | undefined> {
  for (const name of [`${encodeURIComponent(key)}.xml`, "default.xml"]) {
    try {
      return await readFile(join(dir, process, name), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return undefined;
}

/**
 * Answers `GET /<key>?ci-process=detect-label` and `?ci-process=sensitive-content-recognition` in CI's XML
 * format: checks the image as CI would, then asks the recognizer, else the recorded responses.
 */
export function cloudInfinite(options: CloudInfiniteOptions): CiProcessHandler {
  return async ({ process, bucket, object, store }) => {
    if (!(process in LIMITS))
      throw new CosError("InvalidArgument", `unsupported ci-process ${JSON.stringify(process)}`);
    const name = process as Process;
    const bytes = await readObject(store, bucket, object);
    const info = imageInfo(bytes);
    checkImage(name, object, info);
    const image = { key: object.key, bytes, info };
    const { recognizer } = options;
    if (name === "detect-label" && recognizer?.detectLabel) {
      return { status: 200, body: labelsXml(await recognizer.detectLabel(image)) };
    }
    if (name === "sensitive-content-recognition" && recognizer?.moderate) {
      return { status: 200, body: moderationXml(object.key, await recognizer.moderate(image)) };
    }
    const answer = options.responsesDir ? await recorded(options.responsesDir, name, object.key) : undefined;
    if (answer === undefined) {
      throw new CosError(
        "NotImplemented",
        `no recognizer and no recorded ${name} response for ${object.key}${options.responsesDir ? ` in ${options.responsesDir}` : ""}`,
      );
    }
    return { status: 200, body: answer };
  };
}
