// Benchmark: image-recognition's pre-fit against its goal (issue 12): a 24 MP JPEG pre-fitted to ci-labels' limits
// (JPEG, 2048 px, 3 MB) by the function (shrink-on-load), against a naive full decode then resize in the same run,
// each measurement in a fresh process (image-recognition-run.ts): wall time and peak memory above the process's
// baseline (its RSS once sharp, the function's code and the file are loaded). Also one whole invocation of the
// function on that photo against the local cloud (recorded CI answers): HEAD, read, inspect, pre-fit, derivative
// written and deleted, detect-label, tags, sidecar.
// Run by `cosfn bench`:  npm run bench -- image-recognition --runs 5

import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { cosEvent } from "@cosfn/events";
import { startLocalCloud } from "@cosfn/local-cloud";
import type Sharp from "sharp";
import { type Metric, report } from "../src/metrics.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, megapixels: { type: "string", default: "24" } },
  strict: false,
});
const runs = Number(values.runs);
const megapixels = Number(values.megapixels);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const sharp = createRequire(join(repo, "functions/image-recognition/package.json"))("sharp") as typeof Sharp;

/** A camera-like JPEG of `megapixels` (3:2): a real photo enlarged, with sensor-like grain so it compresses as one. */
async function cameraJpeg(): Promise<Buffer> {
  const width = Math.round(Math.sqrt(megapixels * 1e6 * 1.5));
  const height = Math.round(width / 1.5);
  const photo = await sharp(join(repo, "test-fixtures/images/food-coffee.jpg"))
    .resize(width, height, { fit: "fill" })
    .raw()
    .toBuffer();
  const grain = await sharp({
    create: { width, height, channels: 3, background: "#808080", noise: { type: "gaussian", mean: 128, sigma: 12 } },
  })
    .raw()
    .toBuffer();
  for (let i = 0; i < photo.length; i++)
    photo[i] = Math.max(0, Math.min(255, (photo[i] as number) + (grain[i] as number) - 128));
  return sharp(photo, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer();
}

const dir = await mkdtemp(join(tmpdir(), "cosfn-bench-image-"));
const metrics: Metric[] = [];
const figure = (label: string, unit: string, value: number, baseline?: string) => {
  let metric = metrics.find((m) => m.label === label);
  if (!metric) {
    metric = { label, unit, values: [], ...(baseline !== undefined && { baseline }) };
    metrics.push(metric);
  }
  metric.values.push(value);
};
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
  const jpeg = await cameraJpeg();
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
  for (let r = 1; r <= runs; r++) {
    process.stderr.write(`image-recognition run ${r} of ${runs}\n`);
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
    const whole = await measure("function", eventFile, env);
    figure("whole function, one invocation", "ms", whole.ms);
    figure("whole function: CPU time", "ms", whole.cpuMs);
    figure("whole function: memory above baseline", "bytes", whole.peakRss - whole.baselineRss);
  }
  report({
    scenario: "image-recognition",
    description: `image-recognition: pre-fit of a ${megapixels} MP JPEG to ci-labels' limits against a naive full decode then resize; one whole invocation`,
    metrics,
    notes: [
      `input: ${width}x${height} JPEG quality 92, ${(jpeg.length / 1024 / 1024).toFixed(1)} MiB (test-fixtures/images/food-coffee.jpg enlarged, with gaussian grain)`,
      "each figure in a fresh process; CPU time is user + system of that process (libvips' threads included), less sensitive than wall time to other load on the machine; memory above baseline = peak RSS (getrusage maxrss) minus the RSS once sharp, the function's code and the input are loaded",
      "naive: sharp decodes every pixel to a raw buffer (autoOrient), then resizes that to 2048 px and encodes JPEG q85; pre-fit: the function's prefitImage, the same output through libvips' shrink-on-load",
      "whole function: the local cloud (recorded detect-label answer) runs in the benchmark's process, the function in its own",
    ],
  });
} finally {
  await cloud.close();
  await rm(dir, { recursive: true, force: true });
}
