import { PermanentError } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { decodeEntryName } from "./entry-names.ts";
import { safeEntryPath } from "./entry-path.ts";

/** What an archive says about one entry, before anything is inflated. */
export interface ArchiveEntry {
  /** Position in the archive. */
  index: number;
  nameBytes: Uint8Array;
  /** Zip's general-purpose flag bit 11: the name is UTF-8. */
  utf8Flag: boolean;
  kind: "file" | "directory" | "symlink" | "hardlink" | "device";
  /** Sizes as the header claims them; never trusted for limits on their own. */
  declaredSize: number;
  compressedSize: number;
  /** ZipCrypto (`zipcrypto`) or AES (`aes`) encryption. */
  encryption: "none" | "zipcrypto" | "aes";
  modified: Date | undefined;
  crc32: number | undefined;
}

/** An entry with the name it decodes to and what will happen to it. */
export interface PlannedEntry extends ArchiveEntry {
  name: string;
  /** The relative path under the target prefix, when the entry is written. */
  path: string | undefined;
  /** Why the entry is not written (skipped and reported). */
  skip: string | undefined;
  /** Normalisations applied to the name, reported. */
  normalized: string[];
  /** A later entry has the same path: this one is replaced (the last one wins). */
  replacedByLater: boolean;
}

/** The archive is refused as a whole: nothing is written. Permanent. */
export class ArchiveRefusedError extends PermanentError {
  override readonly name = "ArchiveRefusedError";
  readonly limit: string;
  constructor(limit: string, message: string) {
    super("ARCHIVE_REFUSED", message);
    this.limit = limit;
  }
}

/**
 * Decides, before any byte is inflated, what happens to every entry: its decoded name, the safe path it is
 * written to or the reason it is skipped, and which duplicates lose. Refuses the whole archive when the
 * header claims already break a limit (entry count, one entry's size or ratio, the total); the same limits
 * are enforced again on the bytes actually inflated.
 */
export function planEntries(entries: ArchiveEntry[], config: Config, targetPrefix: string): PlannedEntry[] {
  const files = entries.filter((entry) => entry.kind === "file");
  if (files.length > config.maxEntries) {
    throw new ArchiveRefusedError(
      "MAX_ENTRIES",
      `the archive has ${files.length} file entries; MAX_ENTRIES is ${config.maxEntries}`,
    );
  }
  let total = 0;
  for (const entry of files) {
    total += entry.declaredSize;
    if (entry.declaredSize > config.maxEntryBytes) {
      throw new ArchiveRefusedError(
        "MAX_ENTRY_BYTES",
        `entry ${entry.index} declares ${entry.declaredSize} bytes; MAX_ENTRY_BYTES is ${config.maxEntryBytes}`,
      );
    }
    if (entry.compressedSize > 0 && entry.declaredSize / entry.compressedSize > config.maxEntryRatio) {
      throw new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `entry ${entry.index} declares a ratio of ${Math.round(entry.declaredSize / entry.compressedSize)}:1; MAX_ENTRY_RATIO is ${config.maxEntryRatio}`,
      );
    }
  }
  if (total > config.maxTotalBytes) {
    throw new ArchiveRefusedError(
      "MAX_TOTAL_BYTES",
      `the entries declare ${total} bytes in all; MAX_TOTAL_BYTES is ${config.maxTotalBytes}`,
    );
  }

  const planned = entries.map((entry): PlannedEntry => {
    const { name } = decodeEntryName(entry.nameBytes, entry.utf8Flag, config.filenameEncoding);
    const base = { ...entry, name, path: undefined, normalized: [], replacedByLater: false };
    if (entry.kind === "directory") return { ...base, skip: "directory (folders are implied by keys)" };
    if (entry.kind !== "file") return { ...base, skip: `${entry.kind} entries are never extracted` };
    const pattern = config.skipPatterns.find((p) => name.includes(p));
    if (pattern) return { ...base, skip: `matches SKIP_PATTERNS (${pattern})` };
    const safe = safeEntryPath(name, targetPrefix);
    if (!safe.ok) return { ...base, skip: `unsafe name: ${safe.reason}` };
    return { ...base, path: safe.path, skip: undefined, normalized: safe.normalized };
  });
  const last = new Map<string, number>();
  for (const entry of planned) if (entry.path !== undefined) last.set(entry.path, entry.index);
  for (const entry of planned) {
    if (entry.path !== undefined && last.get(entry.path) !== entry.index) entry.replacedByLater = true;
  }
  return planned;
}
