// One extraction in a process of its own (the "function process" of the auto-decompress benchmark): extracts
// cos://<bucket>/<key> to <prefix>, counting the bytes read from COS, and prints what it measured as JSON.
import { Transform } from "node:stream";
import { createCosClient } from "@cosfn/cos";
import { EnvReader, Logger } from "@cosfn/runtime";
import { loadConfig } from "../../../functions/auto-decompress/src/config.ts";
import { extractArchive, parallelismFor } from "../../../functions/auto-decompress/src/extract.ts";

const [endpoint, secretId, secretKey, bucket, key, prefix, memoryMb, envJson] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string | undefined,
];
const cos = createCosClient({ region: "ap-guangzhou", credentials: { secretId, secretKey }, endpoint });
let bytesRead = 0;
const readStream = cos.readStream.bind(cos);
cos.readStream = (...args: Parameters<typeof readStream>) => {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesRead += chunk.length;
      callback(null, chunk);
    },
  });
  const source = readStream(...args);
  source.on("error", (error) => counter.destroy(error));
  return source.pipe(counter);
};
const info = await cos.head(bucket, key);
const started = performance.now();
const cpuBefore = process.cpuUsage();
const manifest = await extractArchive({
  cos,
  source: { bucket, key, size: info?.size ?? null, etag: info?.etag ?? null },
  target: { bucket, prefix },
  config: loadConfig(
    new EnvReader({
      MAX_TOTAL_BYTES: "100GB",
      MAX_ENTRY_BYTES: "100GB",
      MAX_ENTRY_RATIO: "100000",
      MAX_ENTRIES: "1000000",
      ...JSON.parse(envJson ?? "{}"),
    }),
  ),
  functionName: "auto-decompress",
  signal: new AbortController().signal,
  log: new Logger({}, "error"),
  parallelism: parallelismFor(Number(memoryMb)),
});
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const inflated = manifest.entries.reduce((sum, e) => sum + (e.outcome === "written" ? e.size : 0), 0);
process.stdout.write(
  `${JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, written: manifest.counts.written, inflated, bytesRead, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`,
);
