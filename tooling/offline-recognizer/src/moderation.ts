import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { LayersModel } from "@tensorflow/tfjs-layers";
import { loadLayersModel } from "@tensorflow/tfjs-layers";
import type { RgbImage } from "./decode.ts";
import { exclusive, tensorflow } from "./tensorflow.ts";

const require = createRequire(import.meta.url);

/** nsfwjs's MobileNetV2 (3.5 MB), shipped as JS modules: the topology, then the weights as one base64 string. */
const MODEL_DIR = join(dirname(require.resolve("nsfwjs")), "..", "models", "mobilenet_v2");

/** nsfwjs's classes, in the model's output order. */
export const NSFW_CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] as const;
export type NsfwClass = (typeof NSFW_CLASSES)[number];

/** The model's input side: images are stretched to 224x224. */
export const MODERATION_INPUT_SIDE = 224;

let classifier: Promise<LayersModel> | undefined;

/**
 * The model, loaded on first use and shared. Its files are `require`d directly: nsfwjs's own loader imports the
 * weights module through TypeScript's `__importStar`, which copies the 3.5-million-character string one
 * property per character (about 30 s here); requiring the file takes under a second.
 */
function loadClassifier(): Promise<LayersModel> {
  classifier ??= (async () => {
    const tf = await tensorflow();
    const json = require(join(MODEL_DIR, "model.min.js")) as {
      modelTopology: object;
      weightsManifest: { weights: Parameters<typeof tf.io.fromMemory>[1] }[];
    };
    const weights = Buffer.from(require(join(MODEL_DIR, "group1-shard1of1.min.js")) as string, "base64");
    const artifacts = {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights ?? []),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) as ArrayBuffer,
    };
    return loadLayersModel(tf.io.fromMemory(artifacts));
  })();
  classifier.catch(() => {
    classifier = undefined;
  });
  return classifier;
}

/** The probability of each class for a 224x224 RGB image, scaled to 0-1 as nsfwjs does. */
export async function classifyModeration(image: RgbImage): Promise<Record<NsfwClass, number>> {
  const model = await loadClassifier();
  const tf = await tensorflow();
  return exclusive(async () => {
    const output = tf.tidy(() => {
      const pixels = tf.tensor4d(image.data, [1, image.height, image.width, 3], "int32");
      const input = tf.div(tf.cast(pixels, "float32"), 255);
      return model.predict(input) as ReturnType<typeof tf.softmax>;
    });
    try {
      const values = await output.data();
      return Object.fromEntries(NSFW_CLASSES.map((name, index) => [name, values[index] ?? 0])) as Record<
        NsfwClass,
        number
      >;
    } finally {
      output.dispose();
    }
  });
}
