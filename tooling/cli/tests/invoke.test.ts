import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchProject } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin } from "./run-bin.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const fixture = join(repo, "test-fixtures/events/object-created-put/basic.json");
let root: string;
/** No local cloud: these functions call nothing. */
const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
const REPORT =
  /^REPORT RequestId: [0-9a-f-]{36}\tDuration: (\d+\.\d\d) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB\tInit Duration: (\d+\.\d\d) ms$/m;

/** A function folder of the scratch project: its serverless.yml settings and source files. */
function fn(
  name: string,
  yml: { timeout?: number; memorySize?: number; variables?: Record<string, string> },
  files: Record<string, string>,
): string {
  const dir = join(root, "functions", name);
  mkdirSync(join(dir, "src"), { recursive: true });
  const variables = Object.entries(yml.variables ?? {})
    .map(([k, v]) => `      ${k}: ${v}\n`)
    .join("");
  writeFileSync(
    join(dir, "serverless.yml"),
    `component: scf\nname: ${name}\ninputs:\n  name: ${name}\n  memorySize: ${yml.memorySize ?? 128}\n  timeout: ${yml.timeout ?? 3}\n${variables ? `  environment:\n    variables:\n${variables}` : ""}`,
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `@scratch/${name}`, private: true, type: "module" }));
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

beforeAll(() => {
  root = scratchProject("invoke").root;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("cosfn invoke exit status", { timeout: 60_000 }, () => {
  it("0 when every record is done or skipped, 1 when one failed; the report line follows the result", async () => {
    const dir = fn(
      "summary",
      {},
      {
        "src/index.ts":
          "export const main_handler = async (event: { failed: number }) => ({ processed: 2, skipped: 1, failed: event.failed });\n",
      },
    );
    const ok = await runBin(["invoke", dir, "--event", "-"], { stdin: '{"failed":0}', env });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ processed: 2, skipped: 1, failed: 0 });
    const report = REPORT.exec(ok.stderr);
    expect(report, ok.stderr).not.toBeNull();
    const [, duration, billed, memory, used, init] = report as RegExpExecArray;
    expect(Number(billed)).toBe(Math.max(1, Math.ceil(Number(duration))));
    expect(Number(memory)).toBe(128);
    expect(Number(used)).toBeGreaterThan(10);
    expect(Number(init)).toBeGreaterThan(0);

    const failed = await runBin(["invoke", dir, "--event", "-"], { stdin: '{"failed":1}', env });
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ failed: 1 });
    expect(failed.stderr).toContain("error: summary: 1 record failed\n");
    expect(failed.stderr).toMatch(REPORT);
  });

  it("1 for an invalid event (the runtime refuses it), 2 for a usage error", async () => {
    const made = await runBin(["new", "hello", "--dir", root], { env });
    expect(made.status, made.stderr).toBe(0);
    const invalid = await runBin(["invoke", join(root, "functions/hello"), "--event", "-"], {
      stdin: '{"Records":[]}',
      env: { ...env, COSFN_COS_ENDPOINT: "http://127.0.0.1:9" },
    });
    expect(invalid.status).toBe(1);
    expect(JSON.parse(invalid.stdout)).toMatchObject({ processed: 0, failed: 1 });
    expect(invalid.stderr).toContain('"message":"invalid event"');
    expect(invalid.stderr).toContain("Records: expected at least one record");
    expect(invalid.stderr).toContain("error: hello: 1 record failed\n");
    const usage = await runBin(["invoke", join(root, "functions/hello")], { env });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("missing --event");
  });
});

describe("cosfn invoke as SCF runs it", { timeout: 60_000 }, () => {
  it("stops the run at serverless.yml's timeout and reports it timed out (SCF 433)", async () => {
    const dir = fn(
      "sleeper",
      { timeout: 1 },
      {
        "src/index.ts":
          'export const main_handler = async () => { console.log("started"); await new Promise(() => setInterval(() => {}, 1000)); };\n',
      },
    );
    const result = await runBin(["invoke", dir, "--event", fixture], { env });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("started");
    expect(result.stderr).toContain(
      "error: TimeLimitReached: sleeper timed out after 1 s (serverless.yml timeout) and was stopped, as SCF stops it (status 433)\n",
    );
    const [, duration] = REPORT.exec(result.stderr) as RegExpExecArray;
    expect(Number(duration)).toBeGreaterThanOrEqual(1000);
  });

  it("bounds the heap by memorySize and reports running out as SCF does (434)", async () => {
    const dir = fn(
      "hog",
      { memorySize: 128 },
      {
        "src/index.ts":
          "export const main_handler = async () => { const kept: number[][] = []; for (;;) kept.push(new Array(1_000_000).fill(1)); };\n",
      },
    );
    const result = await runBin(["invoke", dir, "--event", fixture], { env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "error: MemoryLimitReached: hog used more than its 128 MB (serverless.yml memorySize) and was stopped, as SCF stops it (status 434)\n",
    );
    const [, , , memory, used] = REPORT.exec(result.stderr) as RegExpExecArray;
    expect(memory).toBe("128");
    expect(Number(used)).toBeGreaterThanOrEqual(128);
  });

  it("takes --env-file in sam's --env-vars shape and as dotenv, in sam's order of precedence", async () => {
    const names = ["A", "B", "C", "D", "E"];
    const dir = fn(
      "envs",
      { variables: Object.fromEntries(names.map((n) => [`COSFN_T_${n}`, "yml"])) },
      {
        "src/index.ts": `export const main_handler = async () => Object.fromEntries(${JSON.stringify(names)}.map((n) => [n, process.env[\`COSFN_T_\${n}\`]]));\n`,
      },
    );
    const shell = { ...env, COSFN_T_B: "shell", COSFN_T_C: "shell", COSFN_T_D: "shell", COSFN_T_E: "shell" };
    const json = join(root, "env.json");
    writeFileSync(
      json,
      JSON.stringify({
        Parameters: { COSFN_T_C: "params", COSFN_T_D: "params", COSFN_T_E: "params" },
        envs: { COSFN_T_D: "function", COSFN_T_E: "function" },
        other: { COSFN_T_A: "not this function" },
      }),
    );
    const result = await runBin(["invoke", dir, "--event", fixture, "--env-file", json, "--env", "COSFN_T_E=flag"], {
      env: shell,
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ A: "yml", B: "shell", C: "params", D: "function", E: "flag" });

    const dotenv = join(root, ".env");
    writeFileSync(
      dotenv,
      "# local\nexport COSFN_T_C='single quoted'\nCOSFN_T_D=\"line\\nbreak\"\nCOSFN_T_E=bare # comment\n",
    );
    const fromDotenv = await runBin(["invoke", dir, "--event", fixture, "--env-file", dotenv], { env: shell });
    expect(fromDotenv.status, fromDotenv.stderr).toBe(0);
    expect(JSON.parse(fromDotenv.stdout)).toEqual({
      A: "yml",
      B: "shell",
      C: "single quoted",
      D: "line\nbreak",
      E: "bare",
    });

    writeFileSync(dotenv, "NOT A LINE\n");
    const bad = await runBin(["invoke", dir, "--event", fixture, "--env-file", dotenv], { env });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(`error: ${dotenv}:1: expected NAME=value, got "NOT A LINE"\n`);
  });
});

describe("cosfn invoke never loses a result nor hangs", { timeout: 120_000 }, () => {
  it.each([5_000, 100_000])("prints a summary of %i records whole", async (count) => {
    const dir = fn(
      `records-${count}`,
      {},
      {
        "src/index.ts": `export const main_handler = async () => ({ processed: ${count}, skipped: 0, failed: 0, records: Array.from({ length: ${count} }, (_, i) => ({ key: \`inbox/\${i}.txt\`, outcome: "done", detail: { wrote: \`out/\${i}.json\` } })) });\n`,
      },
    );
    const result = await runBin(["invoke", dir, "--event", fixture], { env });
    expect(result.status, result.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.records).toHaveLength(count);
    expect(summary.records.at(-1)).toEqual({
      key: `inbox/${count - 1}.txt`,
      outcome: "done",
      detail: { wrote: `out/${count - 1}.json` },
    });
    if (count === 100_000)
      expect(result.stderr).toMatch(/warning: the result is [\d.]+ MB; SCF refuses results over 6 MB/);
  });

  it("prints the summary of a handler that throws, 100,000 records, whole, and exits 1", async () => {
    const dir = fn(
      "throws-summary",
      {},
      {
        "src/index.ts": `export const main_handler = async () => { const error = Object.assign(new Error("100000 of 100000 records failed"), { summary: { processed: 0, skipped: 0, failed: 100000, records: Array.from({ length: 100000 }, (_, i) => ({ key: \`k/\${i}\`, outcome: "failed" })) } }); throw error; };\n`,
      },
    );
    const result = await runBin(["invoke", dir, "--event", fixture], { env });
    expect(result.status).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.records).toHaveLength(100_000);
    expect(summary.records.at(-1)).toEqual({ key: "k/99999", outcome: "failed" });
    expect(result.stderr).toContain("error: Error: 100000 of 100000 records failed\n");
    expect(result.stderr).toMatch(REPORT);
  });

  it("refuses an event 100,000 levels deep, and one of 100 MB, with a clear error and exit 1", async () => {
    const dir = fn(
      "never-called",
      {},
      {
        "src/index.ts": 'export const main_handler = async () => { throw new Error("must not run"); };\n',
      },
    );
    const deep = await runBin(["invoke", dir, "--event", "-"], {
      stdin: `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
      env,
    });
    expect(deep).toMatchObject({
      status: 1,
      stdout: "",
      stderr:
        "error: <stdin>: the event nests 100000 levels deep; cosfn invoke takes at most 1000 (a COS event is 6)\n",
    });
    const big = await runBin(["invoke", dir, "--event", "-"], {
      stdin: `{"Records":[],"padding":"${"x".repeat(100 * 1024 * 1024)}"}`,
      env,
    });
    expect(big.status).toBe(1);
    expect(big.stderr).toBe(
      "error: <stdin>: the event is 100.0 MB; SCF refuses events over 6 MB (406 RequestTooLarge), and COS's asynchronous invocations carry at most 128 KB\n",
    );
  });
});

describe("cosfn invoke shows a function's stack against its sources", { timeout: 120_000 }, () => {
  it("from source and from the built bundle (its .map beside the zip)", async () => {
    const made = await runBin(["new", "boom", "--dir", root], { env });
    expect(made.status, made.stderr).toBe(0);
    const dir = join(root, "functions/boom");
    writeFileSync(
      join(dir, "src/index.ts"),
      'import { explode } from "./explode.ts";\n\nexport const main_handler = async (event: unknown) => explode(event);\n',
    );
    writeFileSync(
      join(dir, "src/explode.ts"),
      'export function explode(_event: unknown): never {\n  const reason = "on purpose";\n  throw new Error(["boom:", reason].join(" "));\n}\n',
    );
    const fromSource = await runBin(["invoke", dir, "--event", fixture], { env });
    expect(fromSource.status).toBe(1);
    expect(fromSource.stderr).toContain("error: Error: boom: on purpose\n");
    expect(fromSource.stderr).toMatch(/\n {4}at explode \(.*functions\/boom\/src\/explode\.ts:3:9\)\n/);

    const built = await runBin(["build", "boom", "--no-smoke", "--runs", "1", "--dir", root], { env });
    expect(built.status, built.stderr).toBe(0);
    const bundled = await runBin(["invoke", dir, "--bundle", "--event", fixture], { env });
    expect(bundled.status).toBe(1);
    expect(bundled.stderr).toContain("error: Error: boom: on purpose\n");
    expect(bundled.stderr).toMatch(/\n {4}at \S+ \(.*functions\/boom\/src\/explode\.ts:3:9\)\n/);
    expect(bundled.stderr).toMatch(REPORT);
  });
});
