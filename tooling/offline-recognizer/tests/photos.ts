import { readFile } from "node:fs/promises";

/** One of the committed photographs in `test-fixtures/images` (see its README for sources and licences). */
export function photo(name: string): Promise<Buffer> {
  return readFile(new URL(`../../../test-fixtures/images/${name}`, import.meta.url));
}
