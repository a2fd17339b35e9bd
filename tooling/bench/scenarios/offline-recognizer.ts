// Benchmark: the offline recognizer (@cosfn/offline-recognizer) on the committed photographs: the first call
// (models loaded), then milliseconds per image for labels (human's CenterNet) and moderation (nsfwjs
// MobileNetV2) on TensorFlow.js's wasm backend, the process's peak memory, and the install size of what it
// brings. Run by `cosfn bench`:
//   npm run bench -- offline-recognizer   (3 runs; --runs N when the scenario file is run directly)
import { readdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createOfflineRecognizer, type ModerationModel } from "@cosfn/offline-recognizer";
import { report } from "../src/metrics.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);
const photosDir = fileURLToPath(new URL("../../../test-fixtures/images/", import.meta.url));
const photos = (await readdir(photosDir)).filter((name) => /\.(jpe?g|png)$/.test(name)).sort();
const bytes = await Promise.all(photos.map((name) => readFile(join(photosDir, name))));

/** Bytes on disk under a folder (files only, symlinks not followed). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** The folder a package is installed in, found from its main entry. */
function packageDir(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(join("node_modules", name))) dir = dirname(dir);
  return dir;
}

async function peakMemory(): Promise<number> {
  const status = await readFile("/proc/self/status", "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

const MB = 1024 * 1024;
const baseline = await peakMemory();
const recognizer = createOfflineRecognizer();
const first = bytes[0] as Buffer;
let started = performance.now();
await recognizer.labels(first);
const firstLabels = performance.now() - started;
started = performance.now();
await recognizer.moderation(first);
const firstModeration = performance.now() - started;

const labelMs: number[] = [];
const moderationMs: number[] = [];
for (let run = 0; run < runs; run++) {
  for (const image of bytes) {
    started = performance.now();
    await recognizer.labels(image);
    labelMs.push(performance.now() - started);
    started = performance.now();
    await recognizer.moderation(image);
    moderationMs.push(performance.now() - started);
  }
}
const peak = await peakMemory();

/** nsfwjs's other models, one run each: load, ms per image, and how many photos each reads as Neutral first. */
const compared: { model: ModerationModel; load: number; perImage: number[]; neutral: number }[] = [];
for (const model of ["MobileNetV2", "MobileNetV2Mid", "InceptionV3"] as const) {
  const other = createOfflineRecognizer({ moderationModel: model });
  started = performance.now();
  await other.moderation(first);
  const load = performance.now() - started;
  const perImage: number[] = [];
  let neutral = 0;
  for (const image of bytes) {
    started = performance.now();
    const { classes } = await other.moderation(image);
    perImage.push(performance.now() - started);
    if (Object.values(classes).every((p) => p <= classes.Neutral)) neutral++;
  }
  compared.push({ model, load, perImage, neutral });
}

const packages = [
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-converter",
  "@tensorflow/tfjs-layers",
  "@tensorflow/tfjs-backend-wasm",
  "@vladmandic/human",
  "nsfwjs",
];
// nsfwjs's peer dependency: installed with it, never loaded here.
const peers = [
  "@tensorflow/tfjs",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-webgl",
  "@tensorflow/tfjs-data",
];
const sizes: Record<string, number> = {};
for (const name of [...packages, ...peers]) sizes[name] = await folderBytes(packageDir(name));
const humanModels = join(packageDir("@vladmandic/human"), "models");
const modelBytes =
  (await stat(join(humanModels, "centernet.json"))).size +
  (await stat(join(humanModels, "centernet.bin"))).size +
  (await folderBytes(join(packageDir("nsfwjs"), "dist", "models", "mobilenet_v2")));
const used = packages.reduce((sum, name) => sum + (sizes[name] ?? 0), 0);
const all = used + peers.reduce((sum, name) => sum + (sizes[name] ?? 0), 0);

report({
  scenario: "offline-recognizer",
  description: `the offline recognizer on ${photos.length} real photographs (0.1-0.5 MP), ${runs} runs each after the models loaded`,
  metrics: [
    { label: "first labels call (CenterNet loaded)", unit: "ms", values: [firstLabels] },
    { label: "first moderation call (MobileNetV2 loaded)", unit: "ms", values: [firstModeration] },
    { label: "labels per image", unit: "ms", values: labelMs },
    { label: "moderation per image", unit: "ms", values: moderationMs },
    ...compared.map(({ model, perImage }) => ({
      label: `moderation per image, ${model}`,
      unit: "ms",
      values: perImage,
    })),
    ...compared.map(({ model, load }) => ({
      label: `first moderation call, ${model} (a new recognizer)`,
      unit: "ms",
      values: [load],
    })),
    {
      label: "peak RSS above the process at start (before the model comparison)",
      unit: "MB",
      values: [(peak - baseline) / MB],
    },
    { label: "models (CenterNet + MobileNetV2)", unit: "MB", values: [modelBytes / MB] },
    { label: "installed packages it loads", unit: "MB", values: [used / MB] },
    { label: "installed with nsfwjs's peer @tensorflow/tfjs", unit: "MB", values: [all / MB] },
  ],
  notes: [
    `photos: ${photos.join(", ")}`,
    `photos read as Neutral first: ${compared.map(({ model, neutral }) => `${model} ${neutral}/${photos.length}`).join(", ")}`,
    `sizes (MB): ${Object.entries(sizes)
      .map(([name, size]) => `${name} ${(size / MB).toFixed(1)}`)
      .join(", ")}`,
  ],
});
