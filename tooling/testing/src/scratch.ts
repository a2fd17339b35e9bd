import { copyFileSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository this package belongs to. */
export const repoDir = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * A project of its own in a temporary folder (package.json with `functions/*` workspaces, the repository's
 * tsconfig.base.json and biome.json, a .gitignore) that uses this repository's installed packages through a
 * node_modules link: where tests and benchmarks make functions with `cosfn new` without touching the
 * repository. `remove()` deletes it.
 */
export function scratchProject(label = "scratch"): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), `cosfn-${label}-`));
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify({ name: "scratch", private: true, workspaces: ["functions/*"] }),
  );
  writeFileSync(join(root, ".gitignore"), "node_modules/\n");
  for (const file of ["tsconfig.base.json", "biome.json"]) copyFileSync(join(repoDir, file), join(root, file));
  symlinkSync(join(repoDir, "node_modules"), join(root, "node_modules"));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}
