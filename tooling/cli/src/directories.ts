import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { CommandError } from "./io.ts";

/**
 * Creates `dir` and its missing parents, one at a time from the nearest that exists: Node's recursive `mkdir` never
 * returns where the system answers ENOENT under a parent that exists (under /proc, say), and the commands take such
 * folders from the user (`--dir`, `--data`, `--log`, a download's target). A failure names the folder it could not
 * create.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing.unshift(at);
  for (const path of missing) {
    try {
      await mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new CommandError(`cannot create ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
