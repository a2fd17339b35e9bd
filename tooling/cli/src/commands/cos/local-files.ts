import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { Crc64 } from "@cosfn/checksums";
import { CommandError } from "../../io.ts";

/** A file under a folder: its path, its path relative to the folder with "/" separators, its size. */
export interface LocalFile {
  path: string;
  relative: string;
  size: number;
}

/** Every file under `dir`, depth first, in name order (symbolic links to files followed, to folders not). */
export async function* walkFiles(dir: string, root = dir): AsyncGenerator<LocalFile> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walkFiles(path, root);
    else {
      const info = await stat(path);
      if (info.isFile()) yield { path, relative: relative(root, path).split(sep).join("/"), size: info.size };
    }
  }
}

/** CRC-64/XZ (COS's x-cos-hash-crc64ecma, decimal) and MD5 of a file, in one read. */
export async function fileHashes(path: string): Promise<{ crc64: string; md5: Buffer }> {
  const crc = new Crc64();
  const md5 = createHash("md5");
  for await (const chunk of createReadStream(path)) {
    crc.update(chunk as Buffer);
    md5.update(chunk as Buffer);
  }
  return { crc64: crc.digest(), md5: md5.digest() };
}

/** Where an object under `prefix` goes under `dir`; refused if its key would climb out of the folder. */
export function localPath(dir: string, key: string, prefix: string): string {
  const rest = key.slice(prefix.length);
  const target = resolve(dir, ...rest.split("/").filter((part) => part !== ""));
  if (target !== resolve(dir) && !target.startsWith(`${resolve(dir)}${sep}`)) {
    throw new CommandError(`cos key ${JSON.stringify(key)} would be written outside ${dir}`);
  }
  return target;
}
