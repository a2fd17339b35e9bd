import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { splitBucket } from "@cosfn/events";
import { credentialsFromEnv, LOCAL_CREDENTIALS, startLocalCloud } from "@cosfn/local-cloud";
import { type Io, UsageError } from "../io.ts";

export const help = `Usage: cosfn dev [--port P] [--data DIR] [--bucket NAME ...] [--region R]

Starts the local stand-in for the Tencent Cloud services cosfn functions call, and prints its endpoints
and credentials:
  - the COS XML API for every <bucket>.cos.<region>.myqcloud.com host (q-sign signatures checked),
  - Cloud Infinite (ci-process=detect-label, sensitive-content-recognition) from recorded responses,
  - Cloud API 3.0 for cdn and teo (TC3 signatures checked, calls recorded).
Point clients at it with COSFN_COS_ENDPOINT=http://127.0.0.1:<port>. Ctrl-C stops it cleanly.

It accepts the credentials in TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY, or else the local
defaults it prints.

Options:
  --port <P>           port to listen on (default 19000; 0 for any free port)
  --data <DIR>         keep buckets and objects in DIR across restarts (default: a temporary folder,
                       removed on exit)
  --bucket <NAME>      create this bucket (name-appid) if it does not exist; repeat for more
  --region <R>         region of the buckets it creates (default ap-guangzhou)
  --ci-responses <DIR> recorded Cloud Infinite answers (default: the repository's
                       test-fixtures/responses/ci)
  -h, --help           show this help
`;

const defaultResponses = fileURLToPath(new URL("../../../../test-fixtures/responses/ci/", import.meta.url));

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", default: "19000" },
      data: { type: "string" },
      bucket: { type: "string", multiple: true, default: [] },
      region: { type: "string", default: "ap-guangzhou" },
      "ci-responses": { type: "string" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${JSON.stringify(values.port)}: expected 0-65535`);
  for (const bucket of values.bucket) {
    try {
      splitBucket(bucket);
    } catch (error) {
      throw new UsageError(`--bucket ${(error as Error).message}`);
    }
  }
  const responsesDir = values["ci-responses"] ?? (existsSync(defaultResponses) ? defaultResponses : undefined);
  const credentials = credentialsFromEnv();
  const cloud = await startLocalCloud({
    port,
    ...(values.data && { dataDir: values.data }),
    buckets: values.bucket,
    region: values.region,
    ...(responsesDir && { cloudInfinite: { responsesDir } }),
  });
  const fromEnv = credentials !== LOCAL_CREDENTIALS;
  io.stdout.write(
    [
      `cosfn local cloud listening on ${cloud.endpoint}`,
      `  COS:        <bucket>.cos.<region>.myqcloud.com via ${cloud.endpoint}`,
      `  Cloud API:  cdn, teo (<service>.tencentcloudapi.com) via ${cloud.endpoint}`,
      `  data:       ${values.data ?? "temporary (removed on exit)"}`,
      `  buckets:    ${
        cloud.store
          .listBuckets()
          .map((b) => `${b.name} (${b.region})`)
          .join(", ") || "none yet (PUT bucket creates one)"
      }`,
      `  SecretId:   ${credentials.secretId}`,
      `  SecretKey:  ${fromEnv ? "(from TENCENTCLOUD_SECRETKEY)" : credentials.secretKey}`,
      "",
      `  export COSFN_COS_ENDPOINT=${cloud.endpoint}`,
      `  export COSFN_CLOUD_API_ENDPOINT=${cloud.endpoint}`,
      ...(fromEnv
        ? []
        : [
            `  export TENCENTCLOUD_SECRETID=${credentials.secretId}`,
            `  export TENCENTCLOUD_SECRETKEY=${credentials.secretKey}`,
          ]),
      "",
      "Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  io.stdout.write("stopping...\n");
  await cloud.close();
  io.stdout.write("stopped\n");
  return 0;
}
