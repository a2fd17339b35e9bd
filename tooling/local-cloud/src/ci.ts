import { randomBytes } from "node:crypto";
import { type ImageInfo, imageInfo } from "./ci/image-info.ts";
import { type LabelScene, labelsXml, parseScenes, type RecognizedLabel } from "./ci/labels.ts";
import { type CiProcess, checkImage, checkObject, LIMITS } from "./ci/limits.ts";
import { MODERATION_SCENES, type ModerationScene, type ModerationVerdict, moderationXml } from "./ci/moderation.ts";
import { recordedAnswer } from "./ci/recorded.ts";
import { CiThrottle, type CiThrottleOptions } from "./ci/throttle.ts";
import { CosError } from "./cos/errors.ts";
import type { CiProcessHandler } from "./cos/request.ts";
import type { ObjectStore, StoredObject } from "./cos/store.ts";

export type { ImageInfo } from "./ci/image-info.ts";
export { imageInfo } from "./ci/image-info.ts";
export type { LabelScene, RecognizedLabel } from "./ci/labels.ts";
export type { ModerationScene, ModerationVerdict, SceneVerdict } from "./ci/moderation.ts";
export type { CiThrottleOptions } from "./ci/throttle.ts";

/** The image a recognizer is asked about: the object's key, its bytes and what its header says. */
export interface RecognizerImage {
  key: string;
  bytes: Buffer;
  info: ImageInfo;
}

/** A recognizer the local cloud can answer Cloud Infinite requests with, instead of recorded responses. */
export interface Recognizer {
  /** Labels for one scene (asked once per scene requested), confidences 0 to 100; names are Chinese in CI. */
  detectLabel?(image: RecognizerImage & { scene: LabelScene }): Promise<RecognizedLabel[]>;
  /** The moderation verdict under the policy named by `biz-type` (undefined: the default policy). */
  moderate?(image: RecognizerImage & { bizType: string | undefined }): Promise<ModerationVerdict>;
}

export interface CloudInfiniteOptions {
  /**
   * A folder with recorded answers: `<process>/<encodeURIComponent(key)>.xml` for one object,
   * `<process>/default.xml` for the rest (e.g. `test-fixtures/responses/ci`). Used when no recognizer answers.
   */
  responsesDir?: string;
  recognizer?: Recognizer;
  /**
   * Moderation policies by `biz-type`: the scenes each checks. A `biz-type` not listed is refused
   * (InvalidArgument). Without it, any `biz-type` is accepted and every scene is checked.
   */
  bizTypes?: Record<string, readonly ModerationScene[]>;
  /** The account's CI rate limit, and injected throttling (429, `X-ErrNo: -29214`). */
  throttle?: CiThrottleOptions;
}

async function readObject(store: ObjectStore, bucket: string, object: StoredObject): Promise<Buffer> {
  const { stream } = store.read(bucket, object.key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function moderationScenes(options: CloudInfiniteOptions, bizType: string | undefined): readonly ModerationScene[] {
  if (!options.bizTypes || bizType === undefined) return MODERATION_SCENES;
  const scenes = options.bizTypes[bizType];
  if (!scenes) {
    throw new CosError(
      "InvalidArgument",
      `no moderation policy has biz-type ${JSON.stringify(bizType)} (known: ${Object.keys(options.bizTypes).join(", ")})`,
    );
  }
  return scenes;
}

/**
 * Answers `GET /<key>?ci-process=detect-label[&scenes=...]` and
 * `?ci-process=sensitive-content-recognition[&biz-type=...][&large-image-detect=1][&dataid=...]` in CI's
 * XML: throttles as configured, checks the object and image as CI would (errors carry `X-ErrNo`), then asks the
 * recognizer, else replays the recorded answers.
 */
export function cloudInfinite(options: CloudInfiniteOptions): CiProcessHandler {
  const throttle = new CiThrottle(options.throttle);
  return async ({ process, query, bucket, object, store }) => {
    if (!(process in LIMITS)) {
      throw new CosError("InvalidArgument", `unsupported ci-process ${JSON.stringify(process)}`);
    }
    const name = process as CiProcess;
    throttle.admit(name, object.key);
    const scenes = name === "detect-label" ? parseScenes(query.get("scenes")) : [];
    const bizType = query.get("biz-type") || undefined;
    const policyScenes = name === "sensitive-content-recognition" ? moderationScenes(options, bizType) : [];
    checkObject(name, object, query.get("large-image-detect") === "1");
    const bytes = await readObject(store, bucket, object);
    const info = imageInfo(bytes);
    checkImage(name, object.key, info);
    const image = { key: object.key, bytes, info };
    const { recognizer } = options;
    if (name === "detect-label" && recognizer?.detectLabel) {
      const perScene = [];
      for (const scene of scenes) perScene.push({ scene, labels: await recognizer.detectLabel({ ...image, scene }) });
      return { status: 200, body: labelsXml(perScene) };
    }
    if (name === "sensitive-content-recognition" && recognizer?.moderate) {
      const verdict = await recognizer.moderate({ ...image, bizType });
      const request = {
        jobId: `si${randomBytes(16).toString("hex")}`,
        key: object.key,
        dataId: query.get("dataid"),
        scenes: policyScenes,
      };
      return { status: 200, body: moderationXml(request, verdict) };
    }
    const answer = options.responsesDir ? await recordedAnswer(options.responsesDir, name, object.key) : undefined;
    if (answer === undefined) {
      throw new CosError(
        "NotImplemented",
        `no recognizer and no recorded ${name} response for ${object.key}${options.responsesDir ? ` in ${options.responsesDir}` : ""}`,
      );
    }
    return { status: 200, body: answer };
  };
}
