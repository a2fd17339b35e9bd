import type { Config } from "./config.ts";
import { decodeEntryName } from "./entry-names.ts";
import { safeEntryPath } from "./entry-path.ts";
import type { ArchiveEntry } from "./readers/types.ts";

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

/** The settings planning reads. */
export type PlanSettings = Pick<Config, "filenameEncoding" | "skipPatterns">;

/**
 * Decides, before any byte is inflated, what happens to one entry: its decoded name, and the safe path it is
 * written to or the reason it is skipped (directories, links, devices, SKIP_PATTERNS, unsafe names).
 */
export function planEntry(entry: ArchiveEntry, settings: PlanSettings, targetPrefix: string): PlannedEntry {
  const { name } = decodeEntryName(entry.nameBytes, entry.utf8Flag, settings.filenameEncoding);
  const base = { ...entry, name, path: undefined, normalized: [], replacedByLater: false };
  if (entry.kind === "directory") return { ...base, skip: "directory (folders are implied by keys)" };
  if (entry.kind !== "file") return { ...base, skip: `${entry.kind} entries are never extracted` };
  const pattern = settings.skipPatterns.find((p) => name.includes(p));
  if (pattern) return { ...base, skip: `matches SKIP_PATTERNS (${pattern})` };
  const safe = safeEntryPath(name, targetPrefix);
  if (!safe.ok) return { ...base, skip: `unsafe name: ${safe.reason}` };
  return { ...base, path: safe.path, skip: undefined, normalized: safe.normalized };
}

/**
 * Plans every entry of a listed archive (see `planEntry`) and marks which duplicates lose: of entries with the
 * same path, the last one wins. The limits on what the headers declare are `ArchiveLimits.checkListed`'s.
 */
export function planEntries(
  entries: readonly ArchiveEntry[],
  settings: PlanSettings,
  targetPrefix: string,
): PlannedEntry[] {
  const planned = entries.map((entry) => planEntry(entry, settings, targetPrefix));
  const last = new Map<string, number>();
  for (const entry of planned) if (entry.path !== undefined) last.set(entry.path, entry.index);
  for (const entry of planned) {
    if (entry.path !== undefined && last.get(entry.path) !== entry.index) entry.replacedByLater = true;
  }
  return planned;
}

/** Whether the entry is to be written (it may still turn out already written, or in conflict). */
export function toWrite(entry: PlannedEntry): boolean {
  return entry.path !== undefined && entry.skip === undefined && !entry.replacedByLater;
}
