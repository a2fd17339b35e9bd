import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoDir } from "../src/index.ts";

// The base's conventions, checked over the repository's sources, so that a new function or package that
// breaks one fails here with the file and line.

const WORKSPACE_GROUPS = ["packages", "functions", "tooling"];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

const files = WORKSPACE_GROUPS.flatMap((group) => sourceFiles(join(repoDir, group))).map((path) => ({
  path: relative(repoDir, path),
  text: readFileSync(path, "utf8"),
}));

/** `path:line: text` for every line of the files that matches. */
function lines(pattern: RegExp, which: (path: string) => boolean): string[] {
  return files
    .filter((file) => which(file.path))
    .flatMap((file) =>
      file.text.split("\n").flatMap((line, i) => (pattern.test(line) ? [`${file.path}:${i + 1}: ${line.trim()}`] : [])),
    );
}

const isTest = (path: string) => /\/tests\//.test(path) || path.includes("/bench/");
const isSource = (path: string) => /\/src\//.test(path) && !isTest(path);

describe("the repository's conventions", () => {
  it("every error class is a CosfnError (code, retryable, transient, cause): only @cosfn/errors extends Error", () => {
    const offenders = lines(/\bextends\s+(Error|TypeError|RangeError)\b/, isSource).filter(
      (line) => !line.startsWith("packages/errors/src/errors.ts:"),
    );
    expect(offenders).toEqual([]);
  });

  it("no function's handler is more than wiring: functions/*/src/index.ts stays under 30 lines", () => {
    const long = files
      .filter((file) => /^functions\/[^/]+\/src\/index\.ts$/.test(file.path))
      .map((file) => ({ path: file.path, lines: file.text.trimEnd().split("\n").length }))
      .filter((file) => file.lines >= 30);
    expect(long).toEqual([]);
    expect(statSync(join(repoDir, "functions/auto-decompress/src/process-record.ts")).isFile()).toBe(true);
  });

  it("no package index re-exports a whole module (`export *` drags every SDK into every bundle)", () => {
    expect(lines(/^export \* from/, (path) => path.endsWith("/src/index.ts"))).toEqual([]);
  });

  it("no test helper is defined twice: each exported helper of a test-support file has one definition", () => {
    const supportFiles = files.filter(
      (file) => (isTest(file.path) && !file.path.endsWith(".test.ts")) || file.path.startsWith("tooling/testing/src/"),
    );
    const definitions = new Map<string, Set<string>>();
    for (const file of supportFiles) {
      for (const match of file.text.matchAll(
        /^export (?:async )?(?:function\*? (\w+)|const (\w+) = (?:async )?\()/gm,
      )) {
        const name = (match[1] ?? match[2]) as string;
        definitions.set(name, new Set([...(definitions.get(name) ?? []), file.path]));
      }
    }
    const twice = [...definitions]
      .filter(([, paths]) => paths.size > 1)
      .map(([name, paths]) => `${name}: ${[...paths].join(", ")}`);
    expect(twice).toEqual([]);
  });

  it("no file of a function or package reads process.env outside its config, the runtime and the COS client set-up", () => {
    const allowed = [
      /^functions\/[^/]+\/src\/config\.ts$/,
      /^packages\/runtime\/src\/(instance|env|redact)\.ts$/,
      /^packages\/cos\/src\/client\.ts$/,
    ];
    const readers = lines(/process\.env\b/, (path) => /^(functions|packages)\/[^/]+\/src\//.test(path)).filter(
      (line) => !allowed.some((pattern) => pattern.test(line.slice(0, line.indexOf(":")))),
    );
    expect(readers).toEqual([]);
  });
});
