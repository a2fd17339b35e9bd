// Benchmark: each function's deployable zip against the same code deployed unbundled with its node_modules
// (what Tencent's demo functions ship): size on disk, zipped size, and cold start under SCF's Node (median
// of fresh processes requiring index.js, minus `node -e 0`). Without functions in the repository, it
// measures a function made by `cosfn new` in a temporary project. Run by `cosfn bench`:
//   npm run bench -- function-bundles --runs 15
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
  options: { runs: { type: "string", default: "15" }, samples: { type: "string", default: "3" } },
});
const runs = Number(values.runs);
const samples = Number(values.samples);
const repo = fileURLToPath(new URL("../../../", import.meta.url));
const node = scfNode() ?? process.execPath;

async function project(): Promise<{ root: string; names: string[]; scratch: boolean }> {
  const names = await listFunctions(repo);
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
    outfile: join(dir, "index.js"),
    logLevel: "silent",
  });
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: `${name}-unbundled`, private: true, dependencies: deps }),
  );
  const npm = spawnSync("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--no-package-lock"], {
    cwd: dir,
    encoding: "utf8",
  });
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
