import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A recorded answer: `<dir>/<process>/<encodeURIComponent(key)>.xml` for one object, else
 * `<dir>/<process>/default.xml`; undefined when neither exists.
 */
export async function recordedAnswer(dir: string, process: string, key: string): Promise<string | undefined> {
  for (const name of [`${encodeURIComponent(key)}.xml`, "default.xml"]) {
    try {
      return await readFile(join(dir, process, name), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return undefined;
}
