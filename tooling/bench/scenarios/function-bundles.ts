// Benchmark: each function's deployable zip against the same code deployed unbundled with its node_modules
// (what Tencent's demo functions ship): size on disk, zipped size, and cold start under SCF's Node (median
// of fresh processes requiring index.js, minus `node -e 0`). Without functions in the repository, it
// measures a function made by `cosfn new` in a temporary project. A function with native packages (`cosfn.native`
// in its package.json, e.g. sharp) ships them outside the bundle in both layouts (for linux-x64 glibc); its cold
// start is measured twice: requiring index.js (natives load later, at the function's setup) and requiring
// index.js then each native package (what the first invocation pays). Run by `cosfn bench`:
//   npm run bench -- function-bundles --runs 15 [--functions image-recognition]
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildFunction, coldStartMs, listFunctions, scfNode } from "@cosfn/build";
// The subpath, not the index: the index brings vitest, which refuses to load outside a test run.
import { scratchProject } from "@cosfn/testing/scratch";
import { build } from "esbuild";
import { unzipSync, zipSync } from "fflate";
import { type Metric, report } from "../src/metrics.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    samples: { type: "string", default: "3" },
    functions: { type: "string" },
  },
});
const only = values.functions ? new Set(values.functions.split(",")) : undefined;
const runs = Number(values.runs);
const samples = Number(values.samples);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const node = scfNode() ?? process.execPath;

async function project(): Promise<{ root: string; names: string[]; scratch: boolean }> {
  const names = (await listFunctions(repo)).filter((name) => !only || only.has(name));
  if (only && names.length < only.size) throw new Error(`--functions: no function among ${[...only].join(", ")}`);
  if (names.length > 0) return { root: repo, names, scratch: false };
  const { root } = scratchProject("bench-fn");
  const made = spawnSync(join(repo, "node_modules/.bin/cosfn"), ["new", "hello", "--dir", root], { encoding: "utf8" });
  if (made.status !== 0) throw new Error(made.stderr);
  return { root, names: ["hello"], scratch: true };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function zipFolder(dir: string): Promise<number> {
  const files: Record<string, Uint8Array> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      files[join(entry.parentPath, entry.name).slice(dir.length + 1)] = await readFile(
        join(entry.parentPath, entry.name),
      );
  }
  return zipSync(files, { level: 9 }).length;
}

/** The packages a function ships outside its bundle (`cosfn.native` in its package.json), e.g. sharp. */
function natives(root: string, name: string): string[] {
  return JSON.parse(readFileSync(join(root, "functions", name, "package.json"), "utf8")).cosfn?.native ?? [];
}

/** A script in `dir` that requires index.js, then each native package as the function's setup does. */
async function withNatives(dir: string, packages: string[]): Promise<string> {
  const file = join(dir, "cold-start-with-natives.js");
  await writeFile(file, ["./index.js", ...packages].map((p) => `require(${JSON.stringify(p)});`).join("\n"));
  return file;
}

/** The third-party packages a function's code imports, through the workspace packages it uses. */
function thirdParty(root: string, name: string): Record<string, string> {
  const deps: Record<string, string> = {};
  const visit = (manifest: string) => {
    const pkg = JSON.parse(readFileSync(manifest, "utf8"));
    for (const [dep, version] of Object.entries<string>(pkg.dependencies ?? {})) {
      if (dep.startsWith("@cosfn/")) {
        const local = join(repo, "node_modules", dep, "package.json");
        if (existsSync(local)) visit(local);
      } else deps[dep] = version;
    }
  };
  visit(join(root, "functions", name, "package.json"));
  return deps;
}

/** The same code unbundled: the function and workspace packages compiled to one CommonJS file that requires its npm dependencies from node_modules. */
async function unbundled(root: string, name: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `cosfn-unbundled-${name}-`));
  const deps = thirdParty(root, name);
  await build({
    entryPoints: [join(root, "functions", name, "src", "index.ts")],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20.15",
    external: Object.keys(deps),
    // As the bundle does: the code runs as CommonJS, where import.meta.url (sharp's loader uses it) is empty.
    define: { "import.meta.url": "__cosfn_import_meta_url" },
    banner: { js: 'var __cosfn_import_meta_url=require("url").pathToFileURL(__filename).href;' },
    outfile: join(dir, "index.js"),
    logLevel: "silent",
  });
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: `${name}-unbundled`, private: true, dependencies: deps }),
  );
  // For SCF's platform (what the bundle's natives are installed for; the same as this machine's when it is linux-x64 glibc).
  const npm = spawnSync(
    "npm",
    [
      "install",
      "--omit=dev",
      "--no-audit",
      "--no-fund",
      "--no-package-lock",
      "--os=linux",
      "--cpu=x64",
      "--libc=glibc",
    ],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
  if (npm.status !== 0) throw new Error(`npm install for the unbundled ${name} failed: ${npm.stderr}`);
  return dir;
}

async function unzip(zip: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "cosfn-bundled-"));
  for (const [path, data] of Object.entries(unzipSync(await readFile(zip)))) {
    if (path.endsWith("/")) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
  return dir;
}

const { root, names, scratch } = await project();
const metrics: Metric[] = [];
const notes: string[] = [
  `cold start: median of ${runs} fresh ${node === process.execPath ? "node" : "Node 20.15"} processes requiring index.js, minus node -e 0; ${samples} samples`,
];
if (scratch) notes.push("no functions in the repository yet: measured on the function `cosfn new` makes");
try {
  for (const name of names) {
    process.stderr.write(`${name}: building and installing the unbundled copy...\n`);
    const built = await buildFunction(root, name);
    const bundledDir = await unzip(built.zip);
    const plainDir = await unbundled(root, name);
    metrics.push(
      { label: `${name} unbundled size`, unit: "bytes", values: [await folderBytes(plainDir)] },
      {
        label: `${name} bundled size`,
        unit: "bytes",
        values: [await folderBytes(bundledDir)],
        baseline: `${name} unbundled size`,
      },
      { label: `${name} unbundled zip`, unit: "bytes", values: [await zipFolder(plainDir)] },
      { label: `${name} bundled zip`, unit: "bytes", values: [built.zipBytes], baseline: `${name} unbundled zip` },
    );
    const plain: number[] = [];
    const bundled: number[] = [];
    for (let i = 0; i < samples; i++) {
      plain.push(coldStartMs(join(plainDir, "index.js"), { node, runs, cwd: plainDir }));
      bundled.push(coldStartMs(join(bundledDir, "index.js"), { node, runs, cwd: bundledDir }));
    }
    metrics.push(
      { label: `${name} unbundled cold start`, unit: "ms", values: plain },
      { label: `${name} bundled cold start`, unit: "ms", values: bundled, baseline: `${name} unbundled cold start` },
    );
    const native = natives(root, name);
    if (native.length > 0) {
      const plainFile = await withNatives(plainDir, native);
      const bundledFile = await withNatives(bundledDir, native);
      const plainNative: number[] = [];
      const bundledNative: number[] = [];
      for (let i = 0; i < samples; i++) {
        plainNative.push(coldStartMs(plainFile, { node, runs, cwd: plainDir }));
        bundledNative.push(coldStartMs(bundledFile, { node, runs, cwd: bundledDir }));
      }
      const label = `then ${native.join(", ")} loaded`;
      metrics.push(
        { label: `${name} unbundled cold start, ${label}`, unit: "ms", values: plainNative },
        {
          label: `${name} bundled cold start, ${label}`,
          unit: "ms",
          values: bundledNative,
          baseline: `${name} unbundled cold start, ${label}`,
        },
      );
      notes.push(
        `${name}: ${native.join(", ")} outside the bundle in both layouts, installed for linux-x64 glibc (the zip's node_modules; npm install --os=linux --cpu=x64 --libc=glibc for the unbundled copy)`,
      );
    }
    rmSync(bundledDir, { recursive: true, force: true });
    rmSync(plainDir, { recursive: true, force: true });
  }
} finally {
  if (scratch) rmSync(root, { recursive: true, force: true });
}
report({
  scenario: "function-bundles",
  description: "deployable zips against the same code unbundled with node_modules",
  metrics,
  notes,
});
