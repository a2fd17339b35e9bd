import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { PermanentError } from "@cosfn/errors";
import type { RgbImage } from "./decode.ts";
import { exclusive, tensorflow, WASM_DIR } from "./tensorflow.ts";

const require = createRequire(import.meta.url);

/** The parts of @vladmandic/human used here (its node-wasm build is loaded by path: no typed export). */
interface Human {
  load(): Promise<void>;
  detect(input: unknown): Promise<{ error?: string | null; object: { label: string; score: number }[] }>;
}

/** human's main entry is its tfjs-node build; the wasm build sits beside it, not reachable through `exports`. */
const HUMAN_DIST = dirname(require.resolve("@vladmandic/human"));
/** The models shipped in the package (`models/centernet.json` + `.bin`, 4 MB). */
export const HUMAN_MODELS = join(HUMAN_DIST, "..", "models");

/** A detected COCO object: its class name and the detector's score, 0 to 1. */
export interface DetectedObject {
  label: string;
  score: number;
}

/**
 * Detection settings: every object scoring at least 0.05 (the caller filters), up to 20; no caching between
 * calls (human treats successive inputs as video frames unless told not to); every other module off.
 */
function humanConfig(): object {
  return {
    backend: "wasm",
    wasmPath: WASM_DIR,
    wasmPlatformFetch: false,
    modelBasePath: `${pathToFileURL(HUMAN_MODELS).href}/`,
    debug: false,
    async: false,
    warmup: "none",
    cacheModels: false,
    cacheSensitivity: 0,
    skipAllowed: false,
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: {
      enabled: true,
      modelPath: "centernet.json",
      minConfidence: 0.05,
      iouThreshold: 0.4,
      maxDetected: 20,
      skipFrames: 0,
      skipTime: 0,
    },
  };
}

let detector: Promise<Human> | undefined;

/** human with its CenterNet model, loaded on first use and shared by every caller in the process. */
function loadDetector(): Promise<Human> {
  detector ??= (async () => {
    await tensorflow();
    const { Human } = require(join(HUMAN_DIST, "human.node-wasm.js")) as { Human: new (config: object) => Human };
    const human = new Human(humanConfig());
    await human.load();
    return human;
  })();
  detector.catch(() => {
    detector = undefined;
  });
  return detector;
}

/** COCO objects in an upright RGB image (any size: human resizes to CenterNet's 512x512 input). */
export async function detectObjects(image: RgbImage, where: string): Promise<DetectedObject[]> {
  const human = await loadDetector();
  const tf = await tensorflow();
  return exclusive(async () => {
    const input = tf.tensor4d(image.data, [1, image.height, image.width, 3], "int32");
    try {
      const result = await human.detect(input);
      if (result.error) throw new PermanentError("ObjectDetectionFailed", `${where}: ${result.error}`);
      return result.object.map(({ label, score }) => ({ label, score }));
    } finally {
      input.dispose();
    }
  });
}
