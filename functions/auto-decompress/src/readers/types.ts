import type { Readable } from "node:stream";
import { PermanentError } from "@cosfn/runtime";

/** The archive formats the function extracts, detected from content, never from the name alone. */
export type ArchiveFormat = "zip" | "tar" | "tar.gz" | "gzip";

/** What an archive says about one entry, before anything is inflated. */
export interface ArchiveEntry {
  /** Position in the archive. */
  index: number;
  nameBytes: Uint8Array;
  /** Zip's general-purpose flag bit 11: the name is UTF-8. */
  utf8Flag: boolean;
  kind: "file" | "directory" | "symlink" | "hardlink" | "device";
  /**
   * Sizes as the header claims them; never trusted for limits on their own. `Infinity` when the format declares
   * none (a single gzipped file).
   */
  declaredSize: number;
  /** `undefined` when the format has no per-entry compressed size (tar, gzip). */
  compressedSize: number | undefined;
  /** Zip's compression method (0 stored, 8 deflate; others are refused); `undefined` for tar and gzip. */
  method?: number | undefined;
  /**
   * The bytes of the archive the entry takes at the least (zip: its local header, name and compressed data, as
   * the central directory declares them), for the overlap check: no byte may belong to two entries.
   */
  extent?: { start: number; end: number } | undefined;
  /** ZipCrypto (`zipcrypto`) or AES (`aes`) encryption. */
  encryption: "none" | "zipcrypto" | "aes";
  modified: Date | undefined;
  crc32: number | undefined;
}

/** One entry as a reader yields it: its header, and a way to its inflated bytes. */
export interface ReaderEntry extends ArchiveEntry {
  /**
   * Whether later entries may be taken before this one's bytes are read. `true` when the reader fetches them on
   * its own (zip, by range reads); `false` when they are the stream at the reader's position (tar, gzip), so
   * `read` must be called, and what it gives read or left, before the next entry is asked for.
   */
  readonly detached: boolean;
  /**
   * The entry's inflated bytes, at most once: whole for a small entry (the reader reads it cheaply in one piece,
   * and for a stream it frees the reader to go on), else as a stream. Bytes not read are
   * skipped by the reader when the next entry is asked for. Directories, links and devices have none.
   */
  read(): Promise<Buffer> | Readable;
  /**
   * Bytes of the archive read for this entry so far (zip: its compressed data), for the ratio on bytes actually
   * read, whatever the headers claim. `undefined` when the format compresses no entry on its own (tar, gzip).
   */
  compressedRead?(): number;
}

/**
 * An opened archive of one format: its entries, in the order to process them, with their bytes. Made by a
 * factory per format (`openZipReader`, `openTarReader`, `openGzipReader`); `openArchiveReader` picks one by
 * content.
 */
export interface ArchiveReader {
  readonly format: ArchiveFormat;
  /**
   * Every entry's header, by index, when the format lists them before any data (zip's central directory): the
   * whole archive is planned and checked against the limits before anything is written. `undefined` for streamed
   * formats, whose entries become known one at a time.
   */
  readonly listed: readonly ArchiveEntry[] | undefined;
  /**
   * The entries in the order to process them: zip in the order their bytes lie in the archive (so that reading
   * goes front to back), streams in theirs. Iterate once. A corrupt or truncated archive fails with a
   * `PermanentError` (`CORRUPT_ARCHIVE`) naming it; a failed read of COS stays retryable.
   */
  entries(): AsyncIterable<ReaderEntry>;
  /** Compressed bytes read so far, for the ratio of a whole compressed stream (gzip, tar.gz). */
  compressedRead?(): number;
  /** Lets go of what the reader still reads (its stream); safe after the end and more than once. */
  close(): void;
}

/**
 * One entry's bytes are not where or what its header says; the rest of the archive may still be read. The
 * extraction reports it as the entry's failure (`CORRUPT_ENTRY`), named.
 */
export class EntryBytesError extends PermanentError {
  override readonly name = "EntryBytesError";
  constructor(message: string) {
    super("CORRUPT_ENTRY", message);
  }
}

/** Options every reader takes. */
export interface ReaderOptions {
  /** The archive's name (its key): in error messages, and a single gzipped file's entry is named after it. */
  name: string;
}
