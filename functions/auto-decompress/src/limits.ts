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
}

/**
 * One entry's ratio is checked only once it has inflated (or declares) more than this: a few KB of one repeated
 * byte, a sparse file or an empty template compress far beyond any ratio limit and are no bomb; a real bomb is
 * still cut off after 1 MiB of output (zlib's and Info-ZIP's approach).
 */
export const RATIO_GRACE_BYTES = 1024 * 1024;

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

  /**
   * Checks the headers of a whole listed archive; throws the first limit they break. Overlapping entries (several
   * central-directory records pointing into one region, directly or through local headers quoted inside another
   * entry's data) are refused first (`OVERLAPPING_ENTRIES`): no byte of the archive is inflated for two entries.
   */
  checkListed(entries: readonly ArchiveEntry[]): void {
    const overlap = overlapping(entries);
    if (overlap) throw overlap;
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
   * the per-entry limits, and counts the added bytes against the archive's; returns the error to raise. The ratio
   * is that of `bytes` to `compressed`, the bytes of the archive actually read for the entry so far (`undefined`
   * for formats without per-entry compression), checked past `RATIO_GRACE_BYTES`: a header that claims a
   * compressed size of 0, or one other than the bytes read, changes nothing.
   */
  inflatedTo(entry: Named, bytes: number, added: number, compressed?: number): PermanentError | undefined {
    const { maxEntryBytes, maxEntryRatio } = this.settings;
    if (bytes > entry.declaredSize) return entryOverflow(entry);
    if (bytes > maxEntryBytes) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_BYTES",
        `${entry.name}: inflated past MAX_ENTRY_BYTES (${maxEntryBytes})`,
      );
    }
    if (compressed !== undefined && bytes > RATIO_GRACE_BYTES && bytes > compressed * maxEntryRatio) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `${entry.name}: inflated to ${bytes} bytes from ${compressed} read, past MAX_ENTRY_RATIO (${maxEntryRatio}:1)`,
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
      this.inflated > RATIO_GRACE_BYTES &&
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

  /**
   * One entry's declared size and ratio (an entry of unknown size, a single gzipped file, declares neither; the
   * ratio counts past `RATIO_GRACE_BYTES`, and a compressed size of 0 is an infinite ratio).
   */
  #declaredEntry(entry: ArchiveEntry): ArchiveRefusedError | undefined {
    const { maxEntryBytes, maxEntryRatio } = this.settings;
    if (!Number.isFinite(entry.declaredSize)) return undefined;
    if (entry.declaredSize > maxEntryBytes) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_BYTES",
        `entry ${entry.index} declares ${entry.declaredSize} bytes; MAX_ENTRY_BYTES is ${maxEntryBytes}`,
      );
    }
    const compressed = entry.compressedSize;
    if (
      compressed !== undefined &&
      entry.declaredSize > RATIO_GRACE_BYTES &&
      entry.declaredSize > compressed * maxEntryRatio
    ) {
      const ratio =
        compressed === 0 ? "an infinite ratio" : `a ratio of ${Math.round(entry.declaredSize / compressed)}:1`;
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `entry ${entry.index} declares ${ratio}; MAX_ENTRY_RATIO is ${maxEntryRatio}`,
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

/**
 * The first two entries whose bytes overlap, by the extents their central-directory records declare (local header,
 * name, compressed data): sorted by start, each must end at or before the next one starts.
 */
function overlapping(entries: readonly ArchiveEntry[]): ArchiveRefusedError | undefined {
  const placed = entries.filter((entry) => entry.extent !== undefined);
  placed.sort((a, b) => (a.extent?.start as number) - (b.extent?.start as number));
  for (let k = 1; k < placed.length; k++) {
    const before = placed[k - 1] as ArchiveEntry;
    const after = placed[k] as ArchiveEntry;
    const a = before.extent as { start: number; end: number };
    const b = after.extent as { start: number; end: number };
    if (a.end > b.start) {
      return new ArchiveRefusedError(
        "OVERLAPPING_ENTRIES",
        `entries ${before.index} and ${after.index} overlap: entry ${before.index} takes offsets ${a.start}-${a.end - 1}, entry ${after.index} starts at ${b.start}; no byte of the archive is inflated twice`,
      );
    }
  }
  return undefined;
}
