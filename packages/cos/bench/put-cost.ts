// The client's CPU time per PUT Object through each path: cos-nodejs-sdk-v5's putObject (as writeObject used it
// before the lean path: the body as a stream of its chunks with its length, SkipTask) and writeObject's lean path.
// The local cloud runs in a child process, so only the client's own work is counted. 8 requests in flight unless
// told; `lean` as the fourth argument measures the lean path only.
//   npx tsx packages/cos/bench/put-cost.ts [requests=3000] [bytes=32768] [in-flight=8] [lean]
import { fork } from "node:child_process";
import { Readable } from "node:stream";
import { startLocalCloud } from "@cosfn/local-cloud";
import COS from "cos-nodejs-sdk-v5";
import { createCosClient } from "../src/index.ts";

const BUCKET = "bench-1250000000";
const REGION = "ap-guangzhou";

if (process.argv[2] === "--server") {
  const cloud = await startLocalCloud({ buckets: [BUCKET], region: REGION });
  process.send?.({ endpoint: cloud.endpoint, credentials: cloud.credentials[0] });
  process.on("disconnect", () => void cloud.close().then(() => process.exit(0)));
} else {
  const requests = Number(process.argv[2] ?? 3000);
  const bytes = Number(process.argv[3] ?? 32768);
  const inFlight = Number(process.argv[4] ?? 8);
  const leanOnly = process.argv[5] === "lean";
  const server = fork(new URL(import.meta.url).pathname, ["--server"], { execArgv: ["--import", "tsx"] });
  const { endpoint, credentials } = await new Promise<{
    endpoint: string;
    credentials: { secretId: string; secretKey: string };
  }>((resolve) => server.once("message", resolve as (message: unknown) => void));
  const body = Buffer.alloc(bytes, 97);
  const client = createCosClient({ region: REGION, credentials, endpoint });
  const sdk = new COS({
    SecretId: credentials.secretId,
    SecretKey: credentials.secretKey,
    AutoSwitchHost: false,
    Protocol: "http:",
    Ip: endpoint.replace(/^http:\/\//, ""),
    Domain: "{Bucket}.cos.{Region}.myqcloud.com",
  } as COS.COSOptions);
  const paths: Record<string, (key: string) => Promise<unknown>> = {
    "cos-nodejs-sdk-v5 putObject": (key) =>
      sdk.putObject({
        Bucket: BUCKET,
        Region: REGION,
        Key: key,
        Body: Readable.from([body], { objectMode: false }),
        ContentLength: body.length,
        SkipTask: true,
      } as COS.PutObjectParams),
    "lean path (writeObject)": (key) => client.writeObject({ bucket: BUCKET, key, body }),
  };
  for (const [name, put] of Object.entries(paths)) {
    if (leanOnly && !name.startsWith("lean")) continue;
    const run = async (count: number, prefix: string) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < count) await put(`${prefix}/${next++}.bin`);
        }),
      );
    };
    await run(300, `warm-${name.length}`);
    const cpu = process.cpuUsage();
    const started = performance.now();
    await run(requests, `measured-${name.length}`);
    const used = process.cpuUsage(cpu);
    const ms = (used.user + used.system) / 1000;
    process.stdout.write(
      `${name}: ${(ms / requests).toFixed(3)} ms of client CPU per PUT of ${bytes} bytes, ${inFlight} in flight, ${(requests / ((performance.now() - started) / 1000)).toFixed(0)} PUTs/s\n`,
    );
  }
  server.disconnect();
}
