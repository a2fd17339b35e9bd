import { PermanentError } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import type { ArchiveEntry } from "./readers/types.ts";

/** The archive is refused as a whole: nothing more is written. Permanent. */
export class ArchiveRefusedError extends PermanentError {
  override readonly name = "ArchiveRefusedError";
  readonly limit: string;
  constructor(limit: string, message: string) {
    super("ARCHIVE_REFUSED", message);
    this.limit = limit;
  }
}

/** The settings the limits read. */
export type LimitSettings = Pick<Config, "maxEntries" | "maxEntryBytes" | "maxEntryRatio" | "maxTotalBytes">;

/** An entry name and the size its header declares: what `ENTRY_OVERFLOW` and the inflated limits need. */
interface Named {
  name: string;
  declaredSize: number;
  compressedSize: number;
}

/** The entry inflated past the size its header declares: it is cut off there. */
export function entryOverflow(entry: Named): PermanentError {
  return new PermanentError(
    "ENTRY_OVERFLOW",
    `${entry.name}: inflates past the ${entry.declaredSize} bytes its header declares; cut off`,
  );
}

/**
 * Every limit on an archive, in one place: on what its headers declare (entry count, one entry's size and ratio,
 * the total), checked before anything is inflated, and again on the bytes actually inflated (one entry's size,
 * ratio and declared size, the total, and a whole gzip stream's ratio). A listed archive (zip) is checked as a
 * whole before the first entry is written; a streamed one (tar) entry by entry, as its headers come.
 */
export class ArchiveLimits {
  /** Bytes inflated so far, of all entries. */
  inflated = 0;
  #files = 0;
  #declared = 0;

  /**
   * @param compressedRead for a compressed stream (gzip, tar.gz): the compressed bytes read so far, for the ratio
   * of the whole stream.
   */
  constructor(
    private readonly settings: LimitSettings,
    private readonly compressedRead?: () => number,
  ) {}

  /** Checks the headers of a whole listed archive; throws the first limit they break. */
  checkListed(entries: readonly ArchiveEntry[]): void {
    const files = entries.filter((entry) => entry.kind === "file");
    const count = this.#entryCount(files.length, true);
    if (count) throw count;
    let total = 0;
    for (const entry of files) {
      if (Number.isFinite(entry.declaredSize)) total += entry.declaredSize;
      const refusal = this.#declaredEntry(entry);
      if (refusal) throw refusal;
    }
    const refusal = this.#declaredTotal(total, true);
    if (refusal) throw refusal;
  }

  /** Counts one more header of a streamed archive; returns the limit the headers so far break. */
  declared(entry: ArchiveEntry): ArchiveRefusedError | undefined {
    if (entry.kind !== "file") return undefined;
    this.#files++;
    if (Number.isFinite(entry.declaredSize)) this.#declared += entry.declaredSize;
    return (
      this.#entryCount(this.#files, false) ?? this.#declaredEntry(entry) ?? this.#declaredTotal(this.#declared, false)
    );
  }

  /**
   * Checks an entry that has inflated to `bytes` so far, `added` of them just now, against its declared size and
   * the per-entry limits, and counts the added bytes against the archive's; returns the error to raise.
   */
  inflatedTo(entry: Named, bytes: number, added: number): PermanentError | undefined {
    const { maxEntryBytes, maxEntryRatio } = this.settings;
    if (bytes > entry.declaredSize) return entryOverflow(entry);
    if (bytes > maxEntryBytes) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_BYTES",
        `${entry.name}: inflated past MAX_ENTRY_BYTES (${maxEntryBytes})`,
      );
    }
    if (entry.compressedSize > 0 && bytes / entry.compressedSize > maxEntryRatio) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `${entry.name}: inflated past MAX_ENTRY_RATIO (${maxEntryRatio}:1)`,
      );
    }
    return this.#count(added);
  }

  /** Counts inflated bytes against the total limit and the whole-stream ratio; returns a refusal to raise. */
  #count(bytes: number): ArchiveRefusedError | undefined {
    const { maxTotalBytes, maxEntryRatio } = this.settings;
    this.inflated += bytes;
    if (this.inflated > maxTotalBytes) {
      return new ArchiveRefusedError("MAX_TOTAL_BYTES", `the archive inflated past MAX_TOTAL_BYTES (${maxTotalBytes})`);
    }
    const compressed = this.compressedRead?.();
    if (
      compressed !== undefined &&
      compressed > 0 &&
      this.inflated > 1024 * 1024 &&
      this.inflated / compressed > maxEntryRatio
    ) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `the stream inflated past MAX_ENTRY_RATIO (${maxEntryRatio}:1)`,
      );
    }
    return undefined;
  }

  /** `count` file entries: all of them (`all`), or those of a stream so far. */
  #entryCount(count: number, all: boolean): ArchiveRefusedError | undefined {
    const { maxEntries } = this.settings;
    if (count <= maxEntries) return undefined;
    return new ArchiveRefusedError(
      "MAX_ENTRIES",
      all
        ? `the archive has ${count} file entries; MAX_ENTRIES is ${maxEntries}`
        : `the archive has more than MAX_ENTRIES (${maxEntries}) file entries`,
    );
  }

  /** One entry's declared size and ratio (an entry of unknown size, a single gzipped file, declares neither). */
  #declaredEntry(entry: ArchiveEntry): ArchiveRefusedError | undefined {
    const { maxEntryBytes, maxEntryRatio } = this.settings;
    if (!Number.isFinite(entry.declaredSize)) return undefined;
    if (entry.declaredSize > maxEntryBytes) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_BYTES",
        `entry ${entry.index} declares ${entry.declaredSize} bytes; MAX_ENTRY_BYTES is ${maxEntryBytes}`,
      );
    }
    if (entry.compressedSize > 0 && entry.declaredSize / entry.compressedSize > maxEntryRatio) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `entry ${entry.index} declares a ratio of ${Math.round(entry.declaredSize / entry.compressedSize)}:1; MAX_ENTRY_RATIO is ${maxEntryRatio}`,
      );
    }
    return undefined;
  }

  /** The declared sizes of all file entries (`all`), or of a stream's so far. */
  #declaredTotal(total: number, all: boolean): ArchiveRefusedError | undefined {
    const { maxTotalBytes } = this.settings;
    if (total <= maxTotalBytes) return undefined;
    return new ArchiveRefusedError(
      "MAX_TOTAL_BYTES",
      all
        ? `the entries declare ${total} bytes in all; MAX_TOTAL_BYTES is ${maxTotalBytes}`
        : `the entries declare more than MAX_TOTAL_BYTES (${maxTotalBytes})`,
    );
  }
}
