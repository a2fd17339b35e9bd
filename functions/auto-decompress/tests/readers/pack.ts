import { makeTar, type TarItem } from "../../scripts/tar-writer.ts";
import { writeZip } from "../../scripts/zip-writer.ts";
import type { PackedEntry } from "./contract.ts";

/** Packs with the corpus's zip writer: symlinks stored with a Unix link mode. */
export const packZip = (entries: PackedEntry[]) =>
  writeZip(
    entries.map((entry) =>
      entry.kind === "symlink"
        ? { name: entry.name, data: entry.data ?? Buffer.alloc(0), method: 0 as const, unixMode: 0o120777 }
        : { name: entry.name, data: entry.data ?? Buffer.alloc(0) },
    ),
  );

/** Packs with the corpus's tar writer (bodies as UTF-8 text). */
export const packTar = (entries: PackedEntry[]) =>
  makeTar(
    entries.map((entry): TarItem => {
      if (entry.kind === "directory") return { name: entry.name, type: "directory" };
      if (entry.kind === "symlink") return { name: entry.name, type: "symlink", linkname: String(entry.data) };
      return { name: entry.name, body: entry.data?.toString("utf8") ?? "" };
    }),
  );
