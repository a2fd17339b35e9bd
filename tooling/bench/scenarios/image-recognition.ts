// Benchmark: image-recognition's pre-fit against its goal (issue 12): a 24 MP JPEG pre-fitted to ci-labels' limits
// (JPEG, 3 MB, PREFIT_MAX_SIDE px) by the function (shrink-on-load), against a naive full decode then resize in the same run,
// each measurement in a fresh process (image-recognition-run.ts): wall time and peak memory above the process's
// baseline (its RSS once sharp, the function's code and the file are loaded). Also one whole invocation of the
// function on that photo against the local cloud (recorded CI answers): HEAD, read, inspect, pre-fit, derivative
// written and deleted, detect-label, tags, sidecar.
// Run by `cosfn bench`:  npm run bench -- image-recognition --runs 5

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cosEvent } from "@cosfn/events";
import { startLocalCloud } from "@cosfn/local-cloud";
import type Sharp from "sharp";
import { type Metric, report } from "../src/metrics.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    megapixels: { type: "string", default: "24" },
    parts: { type: "string", default: "prefit,mixed" },
    images: { type: "string", default: "200" },
    concurrency: { type: "string", default: "4" },
  },
  strict: false,
});
const runs = Number(values.runs);
const megapixels = Number(values.megapixels);
const parts = new Set(String(values.parts).split(","));
const images = Number(values.images);
const concurrency = Number(values.concurrency);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const sharp = createRequire(join(repo, "functions/image-recognition/package.json"))("sharp") as typeof Sharp;

/** A camera-like image of `mp` megapixels (3:2): a real photo enlarged, with sensor-like grain so it compresses as one. */
async function cameraImage(mp: number, format: "jpeg" | "png" | "webp", sigma = 12): Promise<Buffer> {
  const width = Math.round(Math.sqrt(mp * 1e6 * 1.5));
  const height = Math.round(width / 1.5);
  const photo = await sharp(join(repo, "test-fixtures/images/food-coffee.jpg"))
    .resize(width, height, { fit: "fill" })
    .raw()
    .toBuffer();
  const grain = await sharp({
    create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma } },
  })
    .raw()
    .toBuffer();
  for (let i = 0; i < photo.length; i++)
    photo[i] = Math.max(0, Math.min(255, (photo[i] as number) + (grain[i] as number) - 128));
  const raw = sharp(photo, { raw: { width, height, channels: 3 } });
  if (format === "png") return raw.png().toBuffer();
  if (format === "webp") return raw.webp({ quality: 85 }).toBuffer();
  return raw.jpeg({ quality: 92 }).toBuffer();
}

/** The mixed benchmark's images: JPEG from 0.3 to 24 MP, PNG and WebP up to a few MP, as uploads come. */
const MIX: [number, "jpeg" | "png" | "webp"][] = [
  [0.3, "jpeg"],
  [1, "jpeg"],
  [2, "jpeg"],
  [4, "jpeg"],
  [8, "jpeg"],
  [12, "jpeg"],
  [24, "jpeg"],
  [0.3, "png"],
  [1, "png"],
  [2, "png"],
  [0.3, "webp"],
  [1, "webp"],
  [4, "webp"],
];

const dir = await mkdtemp(join(tmpdir(), "cosfn-bench-image-"));
const metrics: Metric[] = [];
/** The machine's 1-minute load average at the start of each run and at the end: the machine may be shared. */
const loads: number[] = [];
const figure = (label: string, unit: string, value: number, baseline?: string) => {
  let metric = metrics.find((m) => m.label === label);
  if (!metric) {
    metric = {
      label,
      unit,
      values: [],
      ...(baseline !== undefined && { baseline }),
      ...(unit === "images/s" && { higherIsBetter: true }),
    };
    metrics.push(metric);
  }
  metric.values.push(value);
};
/** The mixed run in a fresh function process (image-recognition-mixed.ts). */
async function measureMixed(keys: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      here("image-recognition-mixed.ts"),
      JSON.stringify(keys),
      JSON.stringify(env),
      String(concurrency),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`mixed failed: ${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
    ms: number;
    cpuMs: number;
    images: number;
    done: number;
    failed: number;
    baselineRss: number;
    peakRss: number;
  };
}

/** One measurement in a fresh process; spawned asynchronously, so that the local cloud in this process answers it. */
async function measure(mode: string, file: string, env?: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", here("image-recognition-run.ts"), mode, file, ...(env ? [JSON.stringify(env)] : [])],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`${mode} failed: ${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
    ms: number;
    cpuMs: number;
    baselineRss: number;
    peakRss: number;
    outBytes: number;
  };
}

const cloud = await startLocalCloud({
  buckets: ["examplebucket-1250000000"],
  cloudInfinite: { responsesDir: join(repo, "test-fixtures/responses/ci") },
});
try {
  process.stderr.write(`image-recognition: making a ${megapixels} MP JPEG...\n`);
  const jpeg = await cameraImage(megapixels, "jpeg");
  const file = join(dir, "camera.jpg");
  await writeFile(file, jpeg);
  const { width, height } = await sharp(jpeg).metadata();
  const [credentials] = cloud.credentials;
  const env = {
    COSFN_COS_ENDPOINT: cloud.endpoint,
    TENCENTCLOUD_SECRETID: credentials?.secretId ?? "",
    TENCENTCLOUD_SECRETKEY: credentials?.secretKey ?? "",
    PROVIDERS: "ci-labels",
    COSFN_LOG_LEVEL: "error",
  };
  const mix = parts.has("mixed")
    ? await Promise.all(MIX.map(([mp, format]) => cameraImage(mp, format, format === "png" ? 4 : 12)))
    : [];
  for (let r = 1; r <= runs; r++) {
    loads.push(loadavg()[0] as number);
    process.stderr.write(`image-recognition run ${r} of ${runs}\n`);
    if (parts.has("mixed")) {
      const keys: string[] = [];
      for (let i = 0; i < images; i++) {
        const [, format] = MIX[i % MIX.length] as [number, string];
        const key = `mixed/${r}/${String(i).padStart(3, "0")}.${format === "jpeg" ? "jpg" : format}`;
        await cloud.store.put("examplebucket-1250000000", key, Readable.from([mix[i % MIX.length] as Buffer]), {
          contentType: `image/${format}`,
          headers: {},
          meta: {},
          storageClass: "STANDARD",
          tags: [],
        });
        keys.push(key);
      }
      const cloudCpu = process.cpuUsage();
      const mixed = await measureMixed(keys, { ...env, PROVIDERS: "ci-labels,ci-moderation" });
      const cloudMixed = process.cpuUsage(cloudCpu);
      if (mixed.failed > 0) throw new Error(`mixed: ${mixed.failed} of ${mixed.images} invocations failed`);
      figure(`mixed: images per second (${concurrency} at once)`, "images/s", (mixed.images / mixed.ms) * 1000);
      figure("mixed: function CPU per image", "ms", mixed.cpuMs / mixed.images);
      figure("mixed: local cloud CPU per image", "ms", (cloudMixed.user + cloudMixed.system) / 1000 / mixed.images);
      figure("mixed: function process's cores busy (CPU / wall)", "cores", mixed.cpuMs / mixed.ms);
      figure("mixed: function peak RSS", "bytes", mixed.peakRss);
      figure("mixed: function peak RSS above baseline", "bytes", mixed.peakRss - mixed.baselineRss);
    }
    if (!parts.has("prefit")) continue;
    const naive = await measure("naive", file);
    figure("naive: full decode, then resize", "ms", naive.ms);
    figure("naive: CPU time", "ms", naive.cpuMs);
    figure("naive: memory above baseline", "bytes", naive.peakRss - naive.baselineRss);
    const prefit = await measure("prefit", file);
    figure("pre-fit (shrink-on-load)", "ms", prefit.ms, "naive: full decode, then resize");
    figure("pre-fit: CPU time", "ms", prefit.cpuMs, "naive: CPU time");
    figure(
      "pre-fit: memory above baseline",
      "bytes",
      prefit.peakRss - prefit.baselineRss,
      "naive: memory above baseline",
    );
    figure("pre-fit: derivative size", "bytes", prefit.outBytes);
    // A fresh key each run: the function skips an object whose sidecar describes its ETag.
    const key = `images/bench-${r}.jpg`;
    await cloud.store.put("examplebucket-1250000000", key, Readable.from([jpeg]), {
      contentType: "image/jpeg",
      headers: {},
      meta: {},
      storageClass: "STANDARD",
      tags: [],
    });
    const eventFile = join(dir, `event-${r}.json`);
    await writeFile(
      eventFile,
      JSON.stringify(
        cosEvent([
          {
            eventName: "cos:ObjectCreated:Put",
            bucket: "examplebucket-1250000000",
            region: "ap-guangzhou",
            key,
            size: jpeg.length,
          },
        ]),
      ),
    );
    const cloudCpu = process.cpuUsage();
    const whole = await measure("function", eventFile, env);
    const cloudUsed = process.cpuUsage(cloudCpu);
    figure("whole function, one invocation", "ms", whole.ms);
    figure("whole function: CPU time", "ms", whole.cpuMs);
    figure("whole function: memory above baseline", "bytes", whole.peakRss - whole.baselineRss);
    figure("whole function: local cloud CPU time", "ms", (cloudUsed.user + cloudUsed.system) / 1000);
  }
  loads.push(loadavg()[0] as number);
  report({
    scenario: "image-recognition",
    description: `image-recognition: pre-fit of a ${megapixels} MP JPEG to ci-labels' limits against a naive full decode then resize; one whole invocation; ${images} mixed images end to end`,
    metrics,
    notes: [
      ...(parts.has("mixed")
        ? [
            `mixed: ${images} uploads cycling through ${MIX.map(([mp, f]) => `${f} ${mp} MP`).join(", ")} (${(mix.reduce((sum, b) => sum + b.length, 0) / 1024 / 1024).toFixed(1)} MiB for the ${MIX.length}), both CI providers on recorded answers, one single-record invocation per image, ${concurrency} at once in one function process`,
          ]
        : []),
      `input: ${width}x${height} JPEG quality 92, ${(jpeg.length / 1024 / 1024).toFixed(1)} MiB (test-fixtures/images/food-coffee.jpg enlarged, with gaussian grain)`,
      "each figure in a fresh process; CPU time is user + system of that process (libvips' threads included), less sensitive than wall time to other load on the machine; memory above baseline = the peak RSS sampled every millisecond during the measured work minus the RSS just before it (sharp, the function's code and, for the pre-fit and the naive path, the input loaded and inspected); mixed: peak RSS is the process's whole peak (getrusage maxrss)",
      "naive: sharp decodes every pixel to a raw buffer (autoOrient), then resizes that to the same size (the function's default PREFIT_MAX_SIDE) and encodes JPEG at PREFIT_QUALITY; pre-fit: the function's prefitImage, the same output through libvips' shrink-on-load",
      "whole function: the local cloud (recorded detect-label answer) runs in the benchmark's process, the function in its own; local cloud CPU time is this process's during the measurement",
      `load average (1 min) at the start of each run and at the end: ${loads.map((l) => l.toFixed(1)).join(", ")} (2 cores: above 2, other work competed for them)`,
    ],
  });
} finally {
  await cloud.close();
  await rm(dir, { recursive: true, force: true });
}
