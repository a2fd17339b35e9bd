import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { loadGraphModel } from "@tensorflow/tfjs-converter";
import type * as tf from "@tensorflow/tfjs-core";
import { loadLayersModel } from "@tensorflow/tfjs-layers";
import type { RgbImage } from "./decode.ts";
import { exclusive, tensorflow } from "./tensorflow.ts";

const require = createRequire(import.meta.url);

/** nsfwjs's models, shipped as JS modules: the topology, then the weights as base64 strings in shards. */
const MODELS_DIR = join(dirname(require.resolve("nsfwjs")), "..", "models");

/** nsfwjs's three models: folder, weight shards, input side, and whether it is a graph (else layers) model. */
export const MODERATION_MODELS = {
  /** 3.5 MB, 224x224: the default. */
  MobileNetV2: { dir: "mobilenet_v2", shards: 1, side: 224, graph: false },
  /** 5.6 MB, 224x224, a graph model. */
  MobileNetV2Mid: { dir: "mobilenet_v2_mid", shards: 2, side: 224, graph: true },
  /** 29 MB, 299x299: the most accurate, several times slower. */
  InceptionV3: { dir: "inception_v3", shards: 6, side: 299, graph: false },
} as const;
export type ModerationModel = keyof typeof MODERATION_MODELS;

/** nsfwjs's classes, in the models' output order. */
export const NSFW_CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] as const;
export type NsfwClass = (typeof NSFW_CLASSES)[number];

interface Classifier {
  predict(input: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
}

const classifiers = new Map<ModerationModel, Promise<Classifier>>();

/**
 * A model, loaded on first use and shared. Its files are `require`d directly: nsfwjs's own loader imports the
 * weights modules through TypeScript's `__importStar`, which copies each multi-million-character string one
 * property per character (about 30 s for MobileNetV2 here); requiring the files takes under a second.
 */
function loadClassifier(name: ModerationModel): Promise<Classifier> {
  const loaded = classifiers.get(name);
  if (loaded) return loaded;
  const loading = (async (): Promise<Classifier> => {
    const tfjs = await tensorflow();
    const model = MODERATION_MODELS[name];
    const dir = join(MODELS_DIR, model.dir);
    const json = require(join(dir, "model.min.js")) as tf.io.ModelJSON;
    const shards: Buffer[] = [];
    for (let shard = 1; shard <= model.shards; shard++) {
      const base64 = require(join(dir, `group1-shard${shard}of${model.shards}.min.js`)) as string;
      shards.push(Buffer.from(base64, "base64"));
    }
    const weights = Buffer.concat(shards);
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: json.modelTopology,
      ...(json.format !== undefined && { format: json.format }),
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) as ArrayBuffer,
    };
    const handler = tfjs.io.fromMemory(artifacts);
    return model.graph ? loadGraphModel(handler) : loadLayersModel(handler);
  })();
  loading.catch(() => classifiers.delete(name));
  classifiers.set(name, loading);
  return loading;
}

/** The probability of each class for an RGB image of the model's input side, scaled to 0-1 as nsfwjs does. */
export async function classifyModeration(
  image: RgbImage,
  name: ModerationModel = "MobileNetV2",
): Promise<Record<NsfwClass, number>> {
  const model = await loadClassifier(name);
  const tfjs = await tensorflow();
  return exclusive(async () => {
    const output = tfjs.tidy(() => {
      const pixels = tfjs.tensor4d(image.data, [1, image.height, image.width, 3], "int32");
      const input = tfjs.div(tfjs.cast(pixels, "float32"), 255);
      const predicted = model.predict(input);
      if (Array.isArray(predicted)) return predicted[0] as tf.Tensor;
      return predicted instanceof tfjs.Tensor ? predicted : (Object.values(predicted)[0] as tf.Tensor);
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
