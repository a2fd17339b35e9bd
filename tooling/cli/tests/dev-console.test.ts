import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CosClient } from "@cosfn/cos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `cosfn dev --config` as `npm start` runs it, in a process of its own, then its console's JSON API over HTTP: the
 * functions' own views, and trigger rules added and removed there running the project's functions.
 */
const bin = fileURLToPath(new URL("../bin/cosfn.js", import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const BUCKET = "examplebucket-1250000000";
/** A bucket no rule of the config binds: the console binds db-sync there. */
const OTHER = "otherbucket-1250000000";
const work = mkdtempSync(join(tmpdir(), "cosfn-dev-console-"));
const database = join(work, "db");

let dev: ChildProcess | undefined;
let output = "";
let consoleUrl = "";
let cos: CosClient;

beforeAll(async () => {
  const config = join(work, "dev.json");
  writeFileSync(
    config,
    JSON.stringify({
      region: "ap-guangzhou",
      buckets: [BUCKET, OTHER],
      triggers: [
        {
          bucket: BUCKET,
          events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
          prefix: "data/",
          function: "db-sync",
          env: { DB_URL: `pglite:${database}` },
        },
        {
          bucket: BUCKET,
          events: ["cos:ObjectCreated:*"],
          prefix: "site/",
          function: "cdn-purge",
          env: { CDN_DOMAINS: "https://static.example.com", STRIP_KEY_PREFIX: "site/" },
        },
      ],
      retryDelaysSeconds: [1, 1],
    }),
  );
  const args = ["dev", "--config", config, "--port", "0", "--console-port", "0", "--ci", "recorded"];
  dev = spawn(process.execPath, [bin, ...args, "--log", join(work, "dev.log"), "--data", join(work, "data")], {
    cwd: repo,
    env: { ...process.env, TENCENTCLOUD_SECRETID: "", TENCENTCLOUD_SECRETKEY: "", COSFN_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = dev;
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cosfn dev did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && output.includes("Ctrl-C")) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", () => reject(new Error(`cosfn dev exited:\n${output}`)));
  });
  consoleUrl = (/console:\s+(http:\/\/\S+?)\/?(\s|$)/.exec(output)?.[1] as string) ?? "";
  const secretId = /SecretId:\s+(\S+)/.exec(output)?.[1] ?? "";
  const secretKey = /SecretKey:\s+(\S+)/.exec(output)?.[1] ?? "";
  cos = new CosClient({ region: "ap-guangzhou", endpoint, credentials: { secretId, secretKey } });
}, 90_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev?.once("exit", resolve));
    dev.kill("SIGINT");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${consoleUrl}${path}`, {
    method: init.method ?? "GET",
    ...(init.body !== undefined && {
      body: JSON.stringify(init.body),
      headers: { "content-type": "application/json" },
    }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

interface ShownEvent {
  key: string;
  outcome: string;
  invocations: { functionName: string; status: string; attempts: { logs: string }[] }[];
}

/** The emitted event of a key, once its invocations are over (polled: invocations run in processes of their own). */
async function settledEvent(key: string, bucket = BUCKET): Promise<ShownEvent> {
  for (let tries = 0; tries < 600; tries++) {
    const { body } = await api(`/api/events?bucket=${bucket}`);
    const event = (body.events as ShownEvent[]).find((candidate) => candidate.key === key);
    if (event && ["succeeded", "failed", "none"].includes(event.outcome)) return event;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no settled event for ${key}:\n${output}`);
}

async function upload(key: string, body: string, bucket = BUCKET): Promise<void> {
  await cos.writeObject({ bucket, key, body, contentType: "text/plain; charset=utf-8" });
}

describe("cosfn dev's console: the functions' views and trigger rules", () => {
  it("lists the views of the configured functions that have one", async () => {
    expect(consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await api("/api/views");
    expect(status).toBe(200);
    expect(body.views).toEqual([
      { id: "db-sync", functionName: "db-sync", title: "Table rows" },
      { id: "cdn-purge", functionName: "cdn-purge", title: "Queued and purged URLs" },
    ]);
  });

  it("answers a view's rows after an upload ran its function", async () => {
    await upload("data/one.txt", "one");
    const event = await settledEvent("data/one.txt");
    expect(event.outcome, JSON.stringify(event)).toBe("succeeded");
    const { status, body } = await api("/api/views/db-sync");
    expect(status).toBe(200);
    const [section] = body.sections;
    expect(section.columns.slice(0, 4)).toEqual(["bucket", "key", "size", "etag"]);
    expect(section.rows.map((row: unknown[]) => row.slice(0, 3))).toEqual([
      [BUCKET, { object: { bucket: BUCKET, key: "data/one.txt" }, text: "data/one.txt" }, 3],
    ]);
    // The function's log lines are the attempt's.
    expect(event.invocations[0]?.attempts[0]?.logs).toContain("data/one.txt");
  }, 120_000);

  it("binds a rule added in the console to a project function, which an upload then runs, until it is removed", async () => {
    const listed = await api("/api/triggers");
    expect(listed.body.functions).toEqual(expect.arrayContaining(["auto-decompress", "cdn-purge", "db-sync"]));

    const rule = {
      bucket: OTHER,
      events: ["cos:ObjectCreated:*"],
      prefix: "data/",
      suffix: "",
      functionName: "db-sync",
    };
    const added = await api("/api/triggers", { method: "POST", body: rule });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject(rule);

    await upload("data/two.txt", "second", OTHER);
    const event = await settledEvent("data/two.txt", OTHER);
    expect(event.outcome, JSON.stringify(event)).toBe("succeeded");
    expect(event.invocations.map((invocation) => invocation.functionName)).toEqual(["db-sync"]);
    const logs = event.invocations[0]?.attempts[0]?.logs ?? "";
    expect(logs).not.toBe("");
    expect(logs).toContain("data/two.txt");
    // It ran with the config's env of db-sync: its row is in the same database, newest first.
    const rows = (await api("/api/views/db-sync")).body.sections[0].rows as unknown[][];
    expect(rows.map((row) => row.slice(0, 2))).toEqual([
      [OTHER, { object: { bucket: OTHER, key: "data/two.txt" }, text: "data/two.txt" }],
      [BUCKET, { object: { bucket: BUCKET, key: "data/one.txt" }, text: "data/one.txt" }],
    ]);

    const removed = await api(`/api/triggers/${encodeURIComponent(added.body.id)}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect((await api("/api/triggers")).body.rules.map((r: { prefix: string }) => r.prefix).sort()).toEqual([
      "data/",
      "site/",
    ]);
    await upload("data/three.txt", "third", OTHER);
    expect(await settledEvent("data/three.txt", OTHER)).toMatchObject({ outcome: "none", invocations: [] });
  }, 180_000);

  it("refuses a rule for a function the project does not have", async () => {
    const rule = { bucket: BUCKET, events: ["cos:ObjectCreated:*"], prefix: "x/", functionName: "no-such-function" };
    const refused = await api("/api/triggers", { method: "POST", body: rule });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: "BadRequest",
      message: expect.stringContaining("no-such-function"),
    });
  });
});
