import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CommandError } from "./io.ts";

/** The repository root: the nearest folder up from `from` whose package.json declares workspaces. */
export function findRoot(from: string = process.cwd()): string {
  let dir = resolve(from);
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, "utf8")).workspaces) return dir;
      } catch {
        // not a manifest we can read; keep looking
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new CommandError(`no cosfn project (a package.json with workspaces) in ${resolve(from)} or above`);
    dir = parent;
  }
}

export const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,58}[a-z0-9]$/;

/** The folder of a function: `<root>/functions/<name>`, or a path to a folder with `src/index.ts`. */
export function functionDir(nameOrPath: string, root?: string): { name: string; dir: string } {
  if (nameOrPath.includes("/") && existsSync(join(nameOrPath, "src", "index.ts"))) {
    const dir = resolve(nameOrPath);
    return { name: dir.split("/").at(-1) as string, dir };
  }
  if (!FUNCTION_NAME.test(nameOrPath))
    throw new CommandError(`${JSON.stringify(nameOrPath)} is not a function name (lowercase letters, digits and "-")`);
  const dir = join(root ?? findRoot(), "functions", nameOrPath);
  if (!existsSync(join(dir, "src", "index.ts")))
    throw new CommandError(`no function ${nameOrPath}: ${join(dir, "src", "index.ts")} does not exist`);
  return { name: nameOrPath, dir };
}
