import { createReadStream, existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createCosClient } from "@cosfn/cos";
import { splitBucket } from "@cosfn/events";
import type { ConsoleView } from "@cosfn/local-cloud";
import { credentialsFromEnv, LOCAL_CREDENTIALS, startLocalCloud } from "@cosfn/local-cloud";
import { lookup } from "mime-types";
import { type DevRuntime, functionRule } from "../dev/bind.ts";
import { consoleFunctions, functionViews } from "../dev/console.ts";
import { invocationLine } from "../dev/invocation-line.ts";
import { loadDevConfig } from "../dev-config.ts";
import { makeDirectory } from "../directories.ts";
import { CommandError, type Io, UsageError } from "../io.ts";
import { findRoot } from "../project.ts";
import { regionOption } from "../region-option.ts";

export const help = `Usage: cosfn dev [--config FILE] [--port P] [--console-port P] [--data DIR] [--bucket NAME ...] [--region R]

Starts the local stand-in for the Tencent Cloud services cosfn functions call, and prints its endpoints
and credentials:
  - the COS XML API for every <bucket>.cos.<region>.myqcloud.com host (q-sign signatures checked),
  - Cloud Infinite (ci-process=detect-label, sensitive-content-recognition) from real models run offline
    (@cosfn/offline-recognizer: COCO labels, a moderation verdict), or from recorded responses,
  - Cloud API 3.0 for cdn and teo (TC3 signatures checked, calls recorded).
Point clients at it with COSFN_COS_ENDPOINT=http://127.0.0.1:<port>. Ctrl-C stops it cleanly.

It accepts the credentials in TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY, or else the local
defaults it prints.

With --config, it also binds functions to COS triggers and runs each invocation in a fresh process (so an
edited function takes effect at its next invocation), printing one line per invocation (time, function,
key, outcome, duration); the functions' logs and results go to the log file. In the console, each attempt
shows the function's log lines, trigger rules can be added for any function under functions/ (with the env of
its first trigger in the config) and removed, and functions with src/console-view.ts have a view of their own
(db-sync's rows, image-recognition's labels, cdn-purge's URLs). The config file (JSON):

  {
    "region": "ap-guangzhou",
    "buckets": ["examplebucket-1250000000"],
    "triggers": [
      { "bucket": "examplebucket-1250000000", "events": ["cos:ObjectCreated:*"],
        "prefix": "", "suffix": ".zip", "function": "auto-decompress", "env": { "TARGET_PREFIX": "out/" } }
    ],
    "seed": [{ "bucket": "examplebucket-1250000000", "key": "in/sample.zip", "file": "../test-fixtures/..." }],
    "retryDelaysSeconds": [60, 120]
  }

triggers are COS trigger rules as in a serverless.yml (one or more event names, prefix and suffix filters,
the function under functions/, extra environment); seed files (relative to the config file) are uploaded
through the COS API once the triggers are bound; retryDelaysSeconds are SCF's retry delays.

Options:
  --config <FILE>      buckets, triggers and seed objects (see above)
  --log <FILE>         where function logs and results go (default .cosfn/dev.log)
  --port <P>           port to listen on (default 19000; 0 for any free port)
  --console-port <P>   the web console's own port (buckets, objects, events, requests; default the
                       port after --port's, 19001; 0 for any free port, the default with --port 0);
                       its address is printed
  --data <DIR>         keep buckets and objects in DIR across restarts (default: a temporary folder,
                       removed on exit)
  --bucket <NAME>      create this bucket (name-appid) if it does not exist; repeat for more
  --region <R>         region of the buckets it creates (default ap-guangzhou)
  --ci <offline|recorded>  Cloud Infinite answers from the offline models (default; they load at the
                       first request) or only from the recorded responses
  --ci-responses <DIR> recorded Cloud Infinite answers (default: the repository's
                       test-fixtures/responses/ci)
  -h, --help           show this help
`;

/** The built web console (tooling/console-ui; `npm start` builds it first). */
const consoleAssets = fileURLToPath(new URL("../../../console-ui/dist/", import.meta.url));
const defaultResponses = fileURLToPath(new URL("../../../../test-fixtures/responses/ci/", import.meta.url));

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string", default: "19000" },
      "console-port": { type: "string" },
      data: { type: "string" },
      bucket: { type: "string", multiple: true, default: [] },
      region: { type: "string", default: "ap-guangzhou" },
      ci: { type: "string", default: "offline" },
      "ci-responses": { type: "string" },
      config: { type: "string" },
      log: { type: "string" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${JSON.stringify(values.port)}: expected 0-65535`);
  // The port after the local cloud's (19001 by default); with --port 0 (tests, several at once), any free one.
  const consolePort = Number(values["console-port"] ?? (port === 0 || port === 65535 ? 0 : port + 1));
  if (!Number.isInteger(consolePort) || consolePort < 0 || consolePort > 65535)
    throw new UsageError(`--console-port ${JSON.stringify(values["console-port"])}: expected 0-65535`);
  for (const bucket of values.bucket) {
    try {
      splitBucket(bucket);
    } catch (error) {
      throw new UsageError(`--bucket ${(error as Error).message}`);
    }
  }
  if (values.data && existsSync(values.data) && !statSync(values.data).isDirectory())
    throw new CommandError(
      `--data ${values.data}: is a file, not a folder; give a folder (created if missing) to keep the buckets in`,
    );
  const responsesDir = values["ci-responses"] ?? (existsSync(defaultResponses) ? defaultResponses : undefined);
  if (values.ci !== "offline" && values.ci !== "recorded")
    throw new UsageError(`--ci ${JSON.stringify(values.ci)}: expected offline or recorded`);
  // Imported only when used: TensorFlow.js takes a second to load.
  const recognizer =
    values.ci === "offline" ? (await import("@cosfn/offline-recognizer")).createOfflineRecognizer() : undefined;
  const credentials = credentialsFromEnv();
  const root = values.config ? findRoot() : undefined;
  const config = values.config && root ? loadDevConfig(values.config, root) : undefined;
  const logFile = resolve(values.log ?? join(root ?? ".", ".cosfn", "dev.log"));
  if (config) await makeDirectory(dirname(logFile));
  if (values.data) await makeDirectory(resolve(values.data));
  // The console reads these at each request: the rules it binds run once the cloud has started, and the views of
  // the config's functions are added once their modules are loaded.
  let runtime: DevRuntime | undefined;
  const views: ConsoleView[] = [];
  const cloud = await startLocalCloud({
    port,
    console: {
      port: consolePort,
      assets: consoleAssets,
      functions: consoleFunctions(root, config, () => runtime),
      views,
    },
    ...(values.data && { dataDir: values.data }),
    buckets: [...values.bucket, ...(config?.buckets ?? [])],
    region: config?.region ?? regionOption(values.region),
    ...((responsesDir || recognizer) && {
      cloudInfinite: { ...(responsesDir && { responsesDir }), ...(recognizer && { recognizer }) },
    }),
    ...(config?.restoreDelaysSeconds && {
      restoreDelaysMs: Object.fromEntries(
        Object.entries(config.restoreDelaysSeconds).map(([tier, seconds]) => [tier, seconds * 1000]),
      ),
    }),
    ...(config?.replicationDelaySeconds !== undefined && { replicationDelayMs: config.replicationDelaySeconds * 1000 }),
    triggers: {
      retryDelaysMs: (config?.retryDelaysSeconds ?? [60, 120]).map((seconds) => seconds * 1000),
      onAttempt: (invocation, attempt) => io.stdout.write(`${invocationLine(invocation, attempt)}\n`),
    },
  }).catch((error: unknown) => {
    const system = error as { code?: string; port?: number };
    if (system.code === "EADDRINUSE" && system.port === consolePort && consolePort !== port)
      throw new CommandError(
        `console port ${consolePort} is in use (another "cosfn dev"?): choose another with --console-port N (npm start -- --console-port N), or --console-port 0 for any free port`,
        { cause: error },
      );
    throw error;
  });
  if (config && root) {
    runtime = {
      root,
      cloudEnv: {
        COSFN_COS_ENDPOINT: cloud.endpoint,
        COSFN_CLOUD_API_ENDPOINT: cloud.endpoint,
        TENCENTCLOUD_SECRETID: credentials.secretId,
        TENCENTCLOUD_SECRETKEY: credentials.secretKey,
      },
      logFile,
    };
    try {
      for (const trigger of config.triggers) cloud.triggers.add(functionRule(trigger, runtime));
    } catch (error) {
      // A rule COS would refuse (overlapping another function's): stop, rather than serve without it.
      await cloud.close();
      throw error;
    }
    const warn = (message: string) => io.stderr.write(`warning: ${message}\n`);
    views.push(...(await functionViews({ cloud, config, root, credentials, warn })));
  }
  const fromEnv = credentials !== LOCAL_CREDENTIALS;
  io.stdout.write(
    [
      `cosfn local cloud listening on ${cloud.endpoint}`,
      `  COS:        <bucket>.cos.<region>.myqcloud.com via ${cloud.endpoint}`,
      `  Cloud API:  cdn, teo (<service>.tencentcloudapi.com) via ${cloud.endpoint}`,
      `  console:    ${cloud.console?.url}/${existsSync(join(consoleAssets, "index.html")) ? "" : " (JSON API only: build tooling/console-ui for the pages)"}`,
      `  data:       ${values.data ?? "temporary (removed on exit)"}`,
      `  buckets:    ${
        cloud.store
          .listBuckets()
          .map((b) => `${b.name} (${b.region})`)
          .join(", ") || "none yet (PUT bucket creates one)"
      }`,
      ...(config
        ? [
            `  triggers:   ${
              config.triggers
                .map((t) => `${t.bucket} ${t.events.join(",")} ${t.prefix}*${t.suffix} -> ${t.function}`)
                .join("\n              ") || "none bound (no function in the config yet)"
            }`,
            `  views:      ${views.map((view) => `${view.functionName} (${view.title})`).join(", ") || "none (no function of the config has src/console-view.ts)"}`,
            `  log:        ${logFile}`,
          ]
        : []),
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
  if (config && config.seed.length > 0) {
    const cos = createCosClient({ region: config.region, credentials, endpoint: cloud.endpoint });
    for (const seed of config.seed) {
      await cos.writeObject({
        bucket: seed.bucket,
        key: seed.key,
        body: createReadStream(seed.file),
        contentType: lookup(seed.file) || "application/octet-stream",
      });
      io.stdout.write(`seeded cos://${seed.bucket}/${seed.key}\n`);
    }
    await cloud.triggers.idle();
    const invocations = cloud.triggers.invocations;
    io.stdout.write(
      `seeding done: ${config.seed.length} objects, ${invocations.length} invocations (${invocations.filter((i) => i.status === "succeeded").length} succeeded, ${invocations.filter((i) => i.status === "failed").length} failed)\n`,
    );
  }
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
