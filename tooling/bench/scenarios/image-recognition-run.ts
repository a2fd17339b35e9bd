// One measurement of the image-recognition benchmark in a process of its own, so that its peak memory is its own:
//   prefit    the function's pre-fit (src/prefit.ts) of a JPEG file to ci-labels' limits
//   naive     the same output the naive way: a full decode to raw pixels, then a resize and a JPEG encode
//   function  one invocation of the whole function (HEAD, read, inspect, pre-fit, derivative, ci-labels, tags,
//             sidecar) on an object of the local cloud the parent runs
// Prints {ms, cpuMs, baselineRss, peakRss, outBytes} as JSON. Run by image-recognition.ts.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ScfContext } from "@cosfn/events";
import type Sharp from "sharp";

const [mode, file, envJson] = process.argv.slice(2) as [string, string, string | undefined];
const functionDir = new URL("../../../functions/image-recognition/", import.meta.url);
// sharp as the function resolves it (the bench package does not declare it).
const sharp = createRequire(new URL("package.json", functionDir))("sharp") as typeof Sharp;
sharp.cache(false);
const { prefitImage, prefitTarget } = await import("../../../functions/image-recognition/src/prefit.ts");
const { inspectImage } = await import("../../../functions/image-recognition/src/inspect.ts");
const { CI_LABEL_LIMITS } = await import("../../../functions/image-recognition/src/providers/ci-labels.ts");
const { loadConfig } = await import("../../../functions/image-recognition/src/config.ts");
const { EnvReader } = await import("@cosfn/runtime");
// The function's defaults: MAX_PIXELS, FAIL_ON, PREFIT_QUALITY and PREFIT_MAX_SIDE.
const config = loadConfig(new EnvReader({}));
const target = prefitTarget([CI_LABEL_LIMITS], config.prefitMaxSide);

let run: () => Promise<number>;
if (mode === "function") {
  const env = JSON.parse(envJson ?? "{}") as Record<string, string>;
  Object.assign(process.env, env);
  const { createHandler } = await import("@cosfn/runtime");
  const { imageRecognition } = await import("../../../functions/image-recognition/src/handler.ts");
  const { scfContext } = await import("@cosfn/local-cloud");
  const main = createHandler(imageRecognition());
  const event = JSON.parse(readFileSync(file, "utf8"));
  run = async () => {
    const summary = (await main(event, scfContext({ time_limit_in_ms: 60_000 }) as ScfContext)) as {
      records: { outcome: string; detail?: unknown; error?: unknown }[];
    };
    const record = summary.records[0];
    if (record?.outcome !== "done") throw new Error(`the invocation did not finish: ${JSON.stringify(record)}`);
    return 0;
  };
} else {
  const bytes = readFileSync(file);
  const inspection = await inspectImage(bytes, "jpeg", config, file);
  run =
    mode === "prefit"
      ? async () => (await prefitImage(bytes, inspection, target, config, file)).bytes.length
      : async () => {
          const { data, info } = await sharp(bytes, { limitInputPixels: config.maxPixels })
            .autoOrient()
            .raw()
            .toBuffer({ resolveWithObject: true });
          const out = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
            .resize({ width: target.maxWidth, height: target.maxHeight, fit: "inside" })
            .jpeg({ quality: config.prefitQuality })
            .toBuffer();
          return out.length;
        };
}
// The peak during the measured work only: RSS sampled every millisecond (libvips works on its own threads, so the
// event loop keeps sampling); getrusage's maxrss would also count what happened before the baseline.
const baselineRss = process.memoryUsage().rss;
let peakRss = baselineRss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 1);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const outBytes = await run();
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());
const cpuMs = (cpu.user + cpu.system) / 1000;
process.stdout.write(`${JSON.stringify({ ms, cpuMs, baselineRss, peakRss, outBytes })}\n`);
