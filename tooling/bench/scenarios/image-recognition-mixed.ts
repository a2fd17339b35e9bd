// The function process of image-recognition's mixed benchmark: one warm instance (one handler, as SCF keeps it)
// receives one single-record invocation per key, `concurrency` invocations at once (SCF hands a warm instance
// one invocation at a time; this stands for that many instances sharing the process's memory and cores), against
// the local cloud of the parent process. Prints {ms, cpuMs, images, done, failed, baselineRss, peakRss} as JSON.
import type { ScfContext } from "@cosfn/events";

const [keysJson, envJson, concurrencyText] = process.argv.slice(2) as [string, string, string];
const keys = JSON.parse(keysJson) as string[];
Object.assign(process.env, JSON.parse(envJson));
const { createHandler } = await import("@cosfn/runtime");
const { cosEvent } = await import("@cosfn/events");
const { scfContext } = await import("@cosfn/local-cloud");
const { imageRecognition } = await import("../../../functions/image-recognition/src/handler.ts");
const main = createHandler(imageRecognition());

const baselineRss = process.memoryUsage().rss;
let sampledPeak = baselineRss;
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
}, 1);
const started = performance.now();
const cpuBefore = process.cpuUsage();
let next = 0;
let done = 0;
let failed = 0;
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    while (next < keys.length) {
      const key = keys[next++] as string;
      const event = cosEvent([
        {
          eventName: "cos:ObjectCreated:Put",
          bucket: "examplebucket-1250000000",
          region: "ap-guangzhou",
          key,
          size: 1,
        },
      ]);
      try {
        const summary = (await main(event, scfContext({ time_limit_in_ms: 120_000 }) as ScfContext)) as {
          processed: number;
        };
        if (summary.processed === 1) done++;
        else failed++;
      } catch {
        failed++;
      }
    }
  }),
);
const ms = performance.now() - started;
clearInterval(sampler);
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, images: keys.length, done, failed, baselineRss, peakRss: Math.max(sampledPeak, process.resourceUsage().maxRSS * 1024) })}\n`,
);
