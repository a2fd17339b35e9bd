import { crc32 } from "@cosfn/checksums";
import { MAX_KEY_BYTES } from "@cosfn/events";
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
  /** Why the entry is refused: its key would be the archive itself, or its manifest. */
  refuse?: string | undefined;
  /** Why the key differs from the name beyond normalisation (another raw name decodes to the same path). */
  renamed?: string | undefined;
  /** Normalisations applied to the name, reported. */
  normalized: string[];
  /** A later entry has the same path: this one is replaced (the last one wins). */
  replacedByLater: boolean;
}

/** The settings planning reads. */
export type PlanSettings = Pick<Config, "filenameEncoding" | "skipPatterns">;

/**
 * Keys no entry may take: the archive itself (when the target is its bucket) and its manifest. An entry with such
 * a key is refused before anything is written.
 */
export interface ReservedKeys {
  archive: string | undefined;
  manifest: string;
}

/**
 * Decides, before any byte is inflated, what happens to one entry: its decoded name, and the safe path it is
 * written to, the reason it is skipped (directories, links, devices, SKIP_PATTERNS, unsafe names) or refused (a
 * key that is the archive's own, or its manifest's).
 */
export function planEntry(
  entry: ArchiveEntry,
  settings: PlanSettings,
  targetPrefix: string,
  reserved?: ReservedKeys,
): PlannedEntry {
  const { name } = decodeEntryName(entry.nameBytes, entry.utf8Flag, settings.filenameEncoding);
  const base = { ...entry, name, path: undefined, normalized: [], replacedByLater: false };
  if (entry.kind === "directory") return { ...base, skip: "directory (folders are implied by keys)" };
  if (entry.kind !== "file") return { ...base, skip: `${entry.kind} entries are never extracted` };
  const pattern = settings.skipPatterns.find((p) => name.includes(p));
  if (pattern) return { ...base, skip: `matches SKIP_PATTERNS (${pattern})` };
  const safe = safeEntryPath(name, targetPrefix);
  if (!safe.ok) return { ...base, skip: `unsafe name: ${safe.reason}` };
  const planned = { ...base, path: safe.path, skip: undefined, normalized: safe.normalized };
  return reserve(planned, targetPrefix, reserved);
}

/** Refuses an entry whose key is a reserved one (see `ReservedKeys`). */
function reserve(entry: PlannedEntry, targetPrefix: string, reserved: ReservedKeys | undefined): PlannedEntry {
  const key = `${targetPrefix}${entry.path}`;
  if (reserved?.archive === key) {
    return { ...entry, refuse: "the entry's key is the archive itself, which is never overwritten by its contents" };
  }
  if (reserved?.manifest === key) return { ...entry, refuse: "the entry's key is the archive's manifest" };
  return entry;
}

/**
 * Plans every entry of a listed archive (see `planEntry`) and marks which duplicates lose: of entries with the
 * same path, the last one wins. The limits on what the headers declare are `ArchiveLimits.checkListed`'s.
 */
export function planEntries(
  entries: readonly ArchiveEntry[],
  settings: PlanSettings,
  targetPrefix: string,
  reserved?: ReservedKeys,
): PlannedEntry[] {
  const planned = entries.map((entry) => planEntry(entry, settings, targetPrefix, reserved));
  const claims = new PathClaims(targetPrefix, reserved);
  for (const entry of planned) {
    const earlier = claims.claim(entry);
    if (earlier !== undefined) (planned[earlier] as PlannedEntry).replacedByLater = true;
  }
  return planned;
}

/** Whether the entry is to be written (it may still turn out already written, or in conflict). */
export function toWrite(entry: PlannedEntry): boolean {
  return entry.path !== undefined && entry.skip === undefined && entry.refuse === undefined && !entry.replacedByLater;
}

/**
 * The paths entries take, in the archive's order. An entry whose raw name is an earlier one's replaces it (the last
 * wins); an entry whose different raw name decodes to an earlier one's path (invalid bytes both read as U+FFFD,
 * say) is never dropped as a duplicate: it is renamed, `name~<CRC-32 of its raw name>.ext`, and reported.
 */
export class PathClaims {
  readonly #held = new Map<string, { raw: string; index: number }>();

  constructor(
    private readonly targetPrefix: string,
    private readonly reserved?: ReservedKeys,
  ) {}

  /** Claims the entry's path, renaming it if another raw name holds it; returns the index of an entry it replaces. */
  claim(entry: PlannedEntry): number | undefined {
    if (entry.path === undefined || entry.skip !== undefined || entry.refuse !== undefined) return undefined;
    const raw = Buffer.from(entry.nameBytes).toString("latin1");
    let held = this.#held.get(entry.path);
    if (held && held.raw !== raw) {
      const path = distinctPath(entry.path, entry.nameBytes);
      const bytes = Buffer.byteLength(this.targetPrefix + path);
      if (bytes > MAX_KEY_BYTES) {
        entry.skip = `its name decodes like entry ${held.index}'s, and the distinct key would be ${bytes} bytes, over COS's ${MAX_KEY_BYTES}`;
        entry.path = undefined;
        return undefined;
      }
      entry.renamed = `its name decodes like entry ${held.index}'s (the raw bytes differ): written as ${path}`;
      entry.path = path;
      Object.assign(entry, reserve(entry, this.targetPrefix, this.reserved));
      if (entry.refuse !== undefined) return undefined;
      held = this.#held.get(path);
    }
    this.#held.set(entry.path, { raw, index: entry.index });
    return held?.raw === raw ? held.index : undefined;
  }
}

/** `path` with the CRC-32 of the entry's raw name before the extension of its last segment. */
function distinctPath(path: string, nameBytes: Uint8Array): string {
  const tag = `~${crc32(nameBytes).toString(16).padStart(8, "0")}`;
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? `${path.slice(0, dot)}${tag}${path.slice(dot)}` : `${path}${tag}`;
}
