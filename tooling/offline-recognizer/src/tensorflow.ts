import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PermanentError } from "@cosfn/errors";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";

const require = createRequire(import.meta.url);

/** The folder holding tfjs-backend-wasm's `.wasm` binaries, read from disk (its default is a CDN). */
export const WASM_DIR = `${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`;

/** A `model.json` in TensorFlow.js's format: the topology and where its weight shards are. */
interface ModelJson {
  modelTopology: tf.io.ModelJSON["modelTopology"];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The model's topology and weights from a `file://` URL to its `model.json`, shards read beside it. */
async function loadFromFile(url: string): Promise<tf.io.ModelArtifacts> {
  const path = fileURLToPath(url);
  const json = JSON.parse(await readFile(path, "utf8")) as ModelJson;
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) shards.push(await readFile(join(dirname(path), shard)));
  }
  const weights = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    ...(json.format !== undefined && { format: json.format }),
    ...(json.generatedBy !== undefined && { generatedBy: json.generatedBy }),
    ...(json.convertedBy !== undefined && { convertedBy: json.convertedBy }),
    ...(json.signature !== undefined && { signature: json.signature }),
    ...(json.userDefinedMetadata !== undefined && { userDefinedMetadata: json.userDefinedMetadata }),
    ...(json.modelInitializer !== undefined && { modelInitializer: json.modelInitializer }),
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length) as ArrayBuffer,
  };
}

/**
 * tfjs routes `http(s)://` model URLs to fetch and has no `file://` router outside tfjs-node: this one reads the
 * model from disk, so a model given as `file://...` never reaches fetch (which has no `file:` scheme in Node).
 */
function fileRouter(url: string | string[]): tf.io.IOHandler | null {
  if (typeof url !== "string" || !url.startsWith("file://")) return null;
  return { load: () => loadFromFile(url) };
}

let ready: Promise<typeof tf> | undefined;

/** TensorFlow.js on its WebAssembly backend, set up once per process: wasm binaries and models from disk. */
export function tensorflow(): Promise<typeof tf> {
  ready ??= (async () => {
    setWasmPaths(WASM_DIR);
    // tfjs types a router as always answering; at run time a null means "not mine" and the next router is tried.
    tf.io.registerLoadRouter(fileRouter as Parameters<typeof tf.io.registerLoadRouter>[0]);
    if (!(await tf.setBackend("wasm"))) {
      throw new PermanentError(
        "WasmBackendUnavailable",
        `TensorFlow.js's wasm backend did not start (binaries in ${WASM_DIR})`,
      );
    }
    await tf.ready();
    return tf;
  })();
  return ready;
}

let tail: Promise<unknown> = Promise.resolve();

/**
 * Runs one inference at a time: the wasm backend is one thread and its models keep state between the calls of
 * one inference, so requests that arrive together queue here instead of interleaving.
 */
export function exclusive<T>(work: () => Promise<T>): Promise<T> {
  const run = tail.then(work, work);
  tail = run.catch(() => undefined);
  return run;
}
