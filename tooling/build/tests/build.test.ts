import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchProject } from "@cosfn/testing";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildFunction,
  checkServerlessConfig,
  cosTriggerRules,
  listFunctions,
  overlappingRules,
  scfNode,
  serverlessSrc,
  smokeTest,
} from "../src/index.ts";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const event = JSON.parse(readFileSync(join(repo, "test-fixtures/events/object-created-put/basic.json"), "utf8"));
const scratch = scratchProject("build");
const root = scratch.root;

/** A scratch project with a function made by `cosfn new`, using this repository's installed packages. */
beforeAll(() => {
  const made = spawnSync(join(repo, "node_modules/.bin/cosfn"), ["new", "hello", "--dir", root], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(made.stderr);
});
afterAll(() => scratch.remove());

/** Every file under a folder, as sorted paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

function addFunction(name: string, source: string, manifest: Record<string, unknown> = {}): void {
  const dir = join(root, "functions", name);
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `@scratch/${name}`, private: true, ...manifest }));
  writeFileSync(join(dir, "src/index.ts"), source);
}

describe("buildFunction", () => {
  it("writes dist/<name>.zip holding only index.js, with the source map beside it", { timeout: 60_000 }, async () => {
    const built = await buildFunction(root, "hello");
    expect(built.zip).toBe(join(root, "dist/hello.zip"));
    const entries = unzipSync(readFileSync(built.zip));
    expect(Object.keys(entries)).toEqual(["index.js"]);
    const code = Buffer.from(entries["index.js"] as Uint8Array).toString("utf8");
    expect(code.length).toBe(built.bundleBytes);
    expect(code).toContain("main_handler");
    expect(code).not.toContain("sourceMappingURL=data:");
    expect(
      JSON.parse(readFileSync(built.sourceMap, "utf8")).sources.some((s: string) => s.includes("process-record.ts")),
    ).toBe(true);
    expect(built.zipBytes).toBeLessThan(built.bundleBytes);
  });

  it("writes dist/<name>/ holding exactly the zip's files, and nothing left from an earlier build", {
    timeout: 60_000,
  }, async () => {
    const stale = join(root, "dist/hello/stale.js");
    mkdirSync(join(root, "dist/hello"), { recursive: true });
    writeFileSync(stale, "left over");
    const built = await buildFunction(root, "hello");
    expect(built.dir).toBe(join(root, "dist/hello"));
    expect(existsSync(stale)).toBe(false);
    const entries = unzipSync(readFileSync(built.zip));
    expect(filesUnder(built.dir)).toEqual(Object.keys(entries).sort());
    for (const [path, data] of Object.entries(entries))
      expect(readFileSync(join(built.dir, path))).toEqual(Buffer.from(data));
  });

  it("ships the packages declared native in node_modules beside index.js, installed for linux-x64", {
    timeout: 120_000,
  }, async () => {
    addFunction(
      "with-native",
      "import isNumber from 'is-number';\nexport const main_handler = async () => ({ processed: isNumber(5) ? 1 : 0, skipped: 0, failed: 0, records: [] });\n",
      {
        dependencies: { "is-number": "7.0.0" },
        cosfn: { native: ["is-number"] },
      },
    );
    const built = await buildFunction(root, "with-native");
    expect(built.natives).toEqual(["is-number"]);
    const entries = Object.keys(unzipSync(readFileSync(built.zip)));
    expect(entries).toContain("index.js");
    expect(entries).toContain("node_modules/is-number/index.js");
    expect(entries).toContain("node_modules/is-number/package.json");
    expect(filesUnder(built.dir)).toEqual([...entries].sort());
    const code = Buffer.from(unzipSync(readFileSync(built.zip))["index.js"] as Uint8Array).toString();
    expect(code).toContain('require("is-number")');
    const result = await smokeTest(built.zip, event);
    expect(result.ok, result.error).toBe(true);
    expect(result.result).toMatchObject({ processed: 1 });
  });

  it("lists the project's functions", async () => {
    expect(await listFunctions(root)).toContain("hello");
  });
});

describe("smokeTest", () => {
  it("runs the zip from an empty folder under Node 20.15 against the local cloud, doing the real work", {
    timeout: 60_000,
  }, async () => {
    const built = await buildFunction(root, "hello");
    const result = await smokeTest(built.zip, event);
    expect(scfNode()).toBeDefined();
    expect(result.nodeVersion).toBe("v20.15.1");
    expect(result.ok).toBe(true);
    expect(result.result).toMatchObject({
      processed: 1,
      failed: 0,
      records: [{ detail: { wrote: "described/photos/2026/cat-2.jpg.json" } }],
    });
  });

  it("fails a bundle that uses an API newer than the runtime (process.getBuiltinModule, Node 20.16+)", {
    timeout: 60_000,
  }, async () => {
    addFunction(
      "too-new",
      "export const main_handler = async () => (process as any).getBuiltinModule('node:fs') ? 'ok' : 'no';\n",
    );
    const built = await buildFunction(root, "too-new");
    const result = await smokeTest(built.zip, event);
    expect(result.ok).toBe(false);
    expect(result.error).toContain("getBuiltinModule is not a function");
  });

  it("fails a bundle whose native package was not shipped", { timeout: 60_000 }, async () => {
    addFunction(
      "missing-native",
      "import { hash } from 'some-native-addon';\nexport const main_handler = async () => hash('x');\n",
      {
        cosfn: { external: ["some-native-addon"] },
      },
    );
    const built = await buildFunction(root, "missing-native");
    const result = await smokeTest(built.zip, event);
    expect(result.ok).toBe(false);
    expect(result.error).toContain("Cannot find module 'some-native-addon'");
  });

  it("fails when a record fails", { timeout: 60_000 }, async () => {
    addFunction(
      "failing",
      "export const main_handler = async () => ({ processed: 0, skipped: 0, failed: 1, records: [] });\n",
    );
    const result = await smokeTest((await buildFunction(root, "failing")).zip, event);
    expect(result).toMatchObject({ ok: false, error: "1 record(s) failed" });
  });
});

/** This repository's functions: the folders under functions/ with a src/index.ts. */
const repoFunctions = readdirSync(join(repo, "functions")).filter((name) =>
  existsSync(join(repo, "functions", name, "src/index.ts")),
);

/** Copies a function of this repository into the scratch project (its own node_modules linked), to build it there. */
function copyRepoFunction(name: string): void {
  const from = join(repo, "functions", name);
  const to = join(root, "functions", name);
  for (const entry of ["package.json", "serverless.yml", "src"])
    cpSync(join(from, entry), join(to, entry), { recursive: true });
  if (existsSync(join(from, "node_modules"))) symlinkSync(join(from, "node_modules"), join(to, "node_modules"));
}

/** Builds a function of the scratch project and checks its serverless.yml: no problems, and src names the build's folder. */
async function expectDeployable(name: string): Promise<void> {
  const yml = join(root, "functions", name, "serverless.yml");
  const text = readFileSync(yml, "utf8");
  expect(checkServerlessConfig(text)).toEqual([]);
  const built = await buildFunction(root, name);
  const src = serverlessSrc(text);
  expect(src, "src names a local folder").toBeDefined();
  expect(resolve(dirname(yml), src as string)).toBe(built.dir);
  expect(existsSync(join(built.dir, "index.js"))).toBe(true);
}

describe("serverless.yml", () => {
  it.each(repoFunctions)(
    "functions/%s/serverless.yml deploys as written: src is what cosfn build writes",
    {
      timeout: 120_000,
    },
    async (name) => {
      copyRepoFunction(name);
      await expectDeployable(name);
    },
  );

  it("the one cosfn new writes deploys as written", { timeout: 60_000 }, async () => {
    await expectDeployable("hello");
  });

  it("no two functions' COS trigger rules overlap, the template's included", () => {
    const rules = [
      ...repoFunctions.map((name) => `functions/${name}/serverless.yml`),
      "tooling/cli/templates/function/serverless.yml.tmpl",
    ].flatMap((file) => cosTriggerRules(readFileSync(join(repo, file), "utf8"), file));
    expect(rules.length).toBeGreaterThan(repoFunctions.length);
    expect(overlappingRules(rules).map(([a, b]) => `${a.at} ~ ${b.at}`)).toEqual([]);
  });
});
