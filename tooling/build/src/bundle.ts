import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { build } from "esbuild";
import { zipSync } from "fflate";

/** What `cosfn build` makes of one function. */
export interface BuiltFunction {
  name: string;
  /** `dist/<name>.zip`: `index.js` (handler `index.main_handler`) and the native packages it needs. */
  zip: string;
  /**
   * `dist/<name>/`: the zip's files unzipped, exactly (rewritten on every build). This is what `serverless.yml`'s
   * `src` names: the Serverless Framework's `scf` component takes a folder and zips it itself.
   */
  dir: string;
  /** `dist/<name>.index.js.map`: kept beside the zip, not in it. */
  sourceMap: string;
  bundleBytes: number;
  zipBytes: number;
  /** Native packages installed for linux-x64 glibc and zipped with the bundle. */
  natives: string[];
}

/** A function's build settings, from `"cosfn"` in its package.json. */
interface FunctionManifest {
  /** Packages that cannot be bundled (native addons such as sharp): installed for SCF's platform and zipped. */
  native?: string[];
  /** Packages left out of the bundle and not shipped (optional peer dependencies never loaded on SCF). */
  external?: string[];
}

function manifest(dir: string): FunctionManifest & { version?: Record<string, string> } {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return { ...(pkg.cosfn ?? {}), version: { ...pkg.dependencies } };
}

/** SCF's runtime for cosfn functions. */
export const SCF_NODE_TARGET = "node20.15";

/**
 * Bundles `functions/<name>/src/index.ts` into one minified CommonJS `index.js` for SCF's `Nodejs20.15`, with
 * an `import.meta.url` shim, installs any native packages for linux-x64 glibc into a staging folder, and
 * writes `dist/<name>.zip`, the same files unzipped in `dist/<name>/` and the source map beside them.
 */
export async function buildFunction(root: string, name: string): Promise<BuiltFunction> {
  const dir = join(root, "functions", name);
  const entry = join(dir, "src", "index.ts");
  if (!existsSync(entry)) throw new Error(`${relative(root, entry)} does not exist`);
  const { native = [], external = [], version = {} } = manifest(dir);
  const dist = join(root, "dist");
  await mkdir(dist, { recursive: true });
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: SCF_NODE_TARGET,
    minify: true,
    sourcemap: "external",
    outfile: join(dist, `${name}.staging`, "index.js"),
    external: [...native, ...external],
    define: { "import.meta.url": "__cosfn_import_meta_url" },
    banner: { js: 'var __cosfn_import_meta_url=require("url").pathToFileURL(__filename).href;' },
    legalComments: "none",
    logLevel: "silent",
    write: false,
  });
  const files: Record<string, Uint8Array> = {};
  let bundleBytes = 0;
  let sourceMap = "";
  for (const file of result.outputFiles) {
    if (file.path.endsWith(".map")) {
      sourceMap = join(dist, `${name}.index.js.map`);
      await writeFile(sourceMap, file.contents);
    } else {
      bundleBytes = file.contents.length;
      files["index.js"] = file.contents;
    }
  }
  if (native.length > 0) Object.assign(files, await installNatives(native, version));
  const zipped = zipSync(files, { level: 9 });
  const zip = join(dist, `${name}.zip`);
  await writeFile(zip, zipped);
  const unzipped = join(dist, name);
  await writeFolder(unzipped, files);
  return { name, zip, dir: unzipped, sourceMap, bundleBytes, zipBytes: zipped.length, natives: native };
}

/**
 * Replaces `dir` with exactly `files` (paths relative to it, as `unzipSync` returns them; folder entries ending
 * in `/` are skipped), so nothing of an earlier build stays behind.
 */
export async function writeFolder(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const [path, data] of Object.entries(files)) {
    if (path.endsWith("/")) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), data);
  }
}

/**
 * `npm install --omit=dev --os=linux --cpu=x64 --libc=glibc` of the native packages in an empty folder
 * (REFERENCE §4), at the versions the function depends on; returns its node_modules as zip entries.
 */
async function installNatives(
  packages: string[],
  versions: Record<string, string>,
): Promise<Record<string, Uint8Array>> {
  const staging = await mkdtemp(join(tmpdir(), "cosfn-natives-"));
  try {
    await writeFile(join(staging, "package.json"), JSON.stringify({ name: "staging", private: true }));
    const specs = packages.map((p) => (versions[p] ? `${p}@${versions[p]}` : p));
    const npm = spawnSync(
      "npm",
      [
        "install",
        "--omit=dev",
        "--os=linux",
        "--cpu=x64",
        "--libc=glibc",
        "--no-audit",
        "--no-fund",
        "--no-save",
        ...specs,
      ],
      {
        cwd: staging,
        encoding: "utf8",
      },
    );
    if (npm.status !== 0) throw new Error(`installing ${specs.join(" ")} for linux-x64 failed:\n${npm.stderr}`);
    const out: Record<string, Uint8Array> = {};
    const walk = async (folder: string): Promise<void> => {
      for (const entry of await readdir(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) out[relative(staging, path)] = await readFile(path);
      }
    };
    await walk(join(staging, "node_modules"));
    return out;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Every function of the project: the folders under functions/ with a src/index.ts. */
export async function listFunctions(root: string): Promise<string[]> {
  const dir = join(root, "functions");
  if (!existsSync(dir)) return [];
  const names: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && (await stat(join(dir, entry.name, "src", "index.ts")).catch(() => undefined)))
      names.push(entry.name);
  }
  return names.sort();
}
