import { Readable } from "node:stream";
import { createInflateRaw, inflateRawSync } from "node:zlib";
import type { RangeSource } from "@cosfn/cos";
import { CosfnError, PermanentError } from "@cosfn/runtime";
import unzipper from "unzipper";
import {
  type ArchiveEntry,
  type ArchiveReader,
  EntryBytesError,
  type ReaderEntry,
  type ReaderOptions,
} from "./types.ts";

/** unzipper's record of one central-directory entry (the fields this function reads). */
interface ZipFile {
  pathBuffer: Buffer;
  path: string;
  type: "File" | "Directory";
  flags: number;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  crc32: number;
  externalFileAttributes: number;
  offsetToLocalFileHeader: number;
  lastModifiedDateTime: Date;
  stream(password?: string): Readable;
}

/** The longest tail an end-of-central-directory record with its comment can take: 22 + 65535 bytes. */
const MAX_TAIL = 65557;

/**
 * How many bytes from the end the end-of-central-directory record starts: a range read of the last KiB finds
 * it in most archives; one with a long comment takes a second read of the longest possible tail.
 */
async function endOfCentralDirectoryTail(source: RangeSource): Promise<number> {
  const size = await source.size();
  for (const want of [1024, MAX_TAIL]) {
    const tailLength = Math.min(size, want);
    const chunks: Buffer[] = [];
    for await (const chunk of source.stream(size - tailLength, tailLength)) chunks.push(chunk as Buffer);
    const tail = Buffer.concat(chunks);
    for (let at = tail.length - 22; at >= 0; at--) {
      if (tail.readUInt32LE(at) === 0x06054b50 && at + 22 + tail.readUInt16LE(at + 20) === tail.length) {
        return tail.length - at;
      }
    }
    if (tailLength === size) break;
  }
  // No record whose comment fits: let unzipper look, and fail, with its own message.
  return Math.min(size, MAX_TAIL);
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/**
 * Opens a zip through its central directory, read with range reads (unzipper's Open.custom over the COS range
 * source, after locating the real end-of-central-directory record, so that archive comments of any length work):
 * no download of the archive, and memory independent of its size. zip64 and data descriptors are read from the
 * central directory. Entries come in the order their bytes lie; each one's bytes are fetched when read, small
 * plain ones whole in spans of neighbours, larger ones streamed with one range read, encrypted ones (ZipCrypto,
 * with `password`) and other methods through unzipper.
 */
export async function openZipReader(
  source: RangeSource,
  options: ReaderOptions & { password?: string | undefined },
): Promise<ArchiveReader> {
  let directory: { files: ZipFile[]; offsetToStartOfCentralDirectory: number };
  try {
    directory = await readCentralDirectory(source);
  } catch (error) {
    if (error instanceof CosfnError) throw error; // a COS read failed, not the archive
    throw new PermanentError("CORRUPT_ARCHIVE", `${options.name}: not a readable zip (${(error as Error).message})`, {
      cause: error,
    });
  }
  const files = directory.files;
  const entries = files.map(entryOf);
  const spans = new SpanReader(source, files, directory.offsetToStartOfCentralDirectory);
  return {
    format: "zip",
    listed: entries,
    async *entries(): AsyncGenerator<ReaderEntry> {
      for (const index of spans.order) {
        const entry = entries[index] as ArchiveEntry;
        const password = entry.encryption === "zipcrypto" ? options.password : undefined;
        yield {
          ...entry,
          detached: true,
          read: () =>
            entry.kind !== "file"
              ? Promise.resolve(Buffer.alloc(0))
              : (spans.read(index) ?? spans.stream(index) ?? (files[index] as ZipFile).stream(password)),
        };
      }
    },
    close: () => {},
  };
}

/** The central directory's records, as unzipper reads them through range reads. */
async function readCentralDirectory(
  source: RangeSource,
): Promise<{ files: ZipFile[]; offsetToStartOfCentralDirectory: number }> {
  const open = unzipper.Open.custom as unknown as (
    source: RangeSource,
    options: { tailSize: number },
  ) => Promise<{ files: unknown[] }>;
  // unzipper takes the first end-of-central-directory signature in the tail it reads; a stored zip near the
  // end of the archive carries one too. The real record is the last one whose comment length fits: the tail
  // given to unzipper starts exactly there.
  return (await open(source, { tailSize: await endOfCentralDirectoryTail(source) })) as unknown as {
    files: ZipFile[];
    offsetToStartOfCentralDirectory: number;
  };
}

/** An entry's header facts from its central-directory record. */
function entryOf(file: ZipFile, index: number): ArchiveEntry {
  const mode = (file.externalFileAttributes >>> 16) & S_IFMT;
  const kind =
    file.type === "Directory"
      ? "directory"
      : mode === S_IFLNK
        ? "symlink"
        : mode === S_IFCHR || mode === S_IFBLK || mode === S_IFIFO
          ? "device"
          : "file";
  const encrypted = (file.flags & 1) !== 0;
  return {
    index,
    nameBytes: file.pathBuffer,
    utf8Flag: (file.flags & 0x800) !== 0,
    kind,
    declaredSize: file.uncompressedSize,
    compressedSize: file.compressedSize,
    encryption: !encrypted ? "none" : file.compressionMethod === 99 ? "aes" : "zipcrypto",
    modified: file.lastModifiedDateTime,
    crc32: file.crc32,
  };
}

/** Entries up to this size (compressed and inflated) are read whole. */
const WHOLE_ENTRY_BYTES = 1024 * 1024;
/** Neighbouring small entries are read together, up to this many bytes per range read. */
const SPAN_BYTES = 2 * 1024 * 1024;
/** Spans kept in memory; reading runs front to back, so older spans are not needed again. */
const SPANS_KEPT = 4;

interface Span {
  start: number;
  end: number;
  next: Span | undefined;
}

/**
 * Reads plain entries by their regions: the bytes between one entry's local header and the next entry's.
 * Neighbouring regions of small entries form a span of up to 2 MiB that one range read fetches, so extracting
 * many small files costs one GET per span instead of one per entry, and the next span is fetched while the
 * current one is inflated; a small entry is inflated whole, stopping one byte past the size the central
 * directory declares, so a lying entry cannot grow. A larger entry streams from one range read over its region.
 * Either way the local header is checked against the region.
 */
class SpanReader {
  /** File indexes by offset of their local header. */
  readonly order: number[];
  /** Where each plain (unencrypted, stored or deflated) entry's local header and data lie; small ones in a span. */
  readonly #regions = new Map<number, { start: number; end: number; span: Span | undefined }>();
  readonly #fetched = new Map<Span, Promise<Buffer>>();

  constructor(
    private readonly source: RangeSource,
    private readonly files: ZipFile[],
    centralDirectory: number,
  ) {
    this.order = files.map((_, index) => index).sort((a, b) => offset(files, a) - offset(files, b));
    let span: Span | undefined;
    for (let k = 0; k < this.order.length; k++) {
      const index = this.order[k] as number;
      const file = files[index] as ZipFile;
      const start = offset(files, index);
      const following = this.order[k + 1];
      const end = following === undefined ? centralDirectory : offset(files, following);
      const plain = (file.flags & 1) === 0 && (file.compressionMethod === 0 || file.compressionMethod === 8);
      if (plain && end > start) this.#regions.set(index, { start, end, span: undefined });
      const small =
        plain &&
        file.compressedSize <= WHOLE_ENTRY_BYTES &&
        file.uncompressedSize <= WHOLE_ENTRY_BYTES &&
        end > start &&
        end - start <= WHOLE_ENTRY_BYTES + 65536;
      if (!small) {
        span = undefined;
        continue;
      }
      if (span === undefined || span.end !== start || end - span.start > SPAN_BYTES) {
        const previous = span;
        span = { start, end, next: undefined };
        if (previous) previous.next = span;
      } else span.end = end;
      this.#regions.set(index, { start, end, span });
    }
  }

  read(index: number): Promise<Buffer> | undefined {
    const region = this.#regions.get(index);
    const span = region?.span;
    if (!region || !span) return undefined;
    const file = this.files[index] as ZipFile;
    const fetched = this.#fetch(span);
    if (span.next) this.#fetch(span.next).catch(() => {});
    return fetched.then((bytes) => {
      const at = region.start - span.start;
      const dataStart = at + dataOffset(bytes.subarray(at, region.end - span.start), region.start);
      const dataEnd = dataStart + file.compressedSize;
      if (dataEnd > region.end - span.start) throw runsOver(file, region.start);
      const data = bytes.subarray(dataStart, dataEnd);
      if (file.compressionMethod === 0) return Buffer.from(data);
      return inflateRawSync(data, { maxOutputLength: file.uncompressedSize + 1 });
    });
  }

  /**
   * A plain entry of any size, inflated as a stream: one range read from its local header to the next entry,
   * inflated in 256 KiB chunks. `undefined` for encrypted entries and other methods, which unzipper reads.
   */
  stream(index: number): Readable | undefined {
    const region = this.#regions.get(index);
    if (!region) return undefined;
    const file = this.files[index] as ZipFile;
    const raw = Readable.from(compressedBytes(this.source, file, region), { objectMode: false });
    if (file.compressionMethod === 0) return raw;
    const inflate = createInflateRaw({ chunkSize: 256 * 1024 });
    raw.on("error", (error) => inflate.destroy(error));
    return raw.pipe(inflate);
  }

  #fetch(span: Span): Promise<Buffer> {
    let bytes = this.#fetched.get(span);
    if (bytes) return bytes;
    bytes = (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of this.source.stream(span.start, span.end - span.start)) chunks.push(chunk as Buffer);
      const all = Buffer.concat(chunks);
      if (all.length !== span.end - span.start) {
        throw new EntryBytesError(`the archive ends inside the entries at offsets ${span.start}-${span.end - 1}`);
      }
      return all;
    })();
    this.#fetched.set(span, bytes);
    bytes.catch(() => this.#fetched.delete(span));
    for (const old of this.#fetched.keys()) {
      if (this.#fetched.size <= SPANS_KEPT) break;
      this.#fetched.delete(old);
    }
    return bytes;
  }
}

/** Where an entry's data begins, from the start of its local header (given at least its first bytes). */
function dataOffset(header: Buffer, at: number): number {
  if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) {
    throw new EntryBytesError(`no local file header at offset ${at}, where the central directory points`);
  }
  return 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

function runsOver(file: ZipFile, at: number): EntryBytesError {
  return new EntryBytesError(
    `the entry's ${file.compressedSize} compressed bytes at offset ${at} run into the next entry`,
  );
}

/** An entry's compressed bytes, read from its local header up to the next entry and checked against its region. */
async function* compressedBytes(
  source: RangeSource,
  file: ZipFile,
  region: { start: number; end: number },
): AsyncGenerator<Buffer> {
  let header: Buffer | undefined = Buffer.alloc(0);
  let left = file.compressedSize;
  for await (const chunk of source.stream(region.start, region.end - region.start)) {
    let data = chunk as Buffer;
    if (header !== undefined) {
      header = Buffer.concat([header, data]);
      if (header.length < 30) continue;
      const start = dataOffset(header, region.start);
      if (header.length < start) continue;
      data = header.subarray(start);
      header = undefined;
    }
    const take = data.subarray(0, left);
    left -= take.length;
    if (take.length > 0) yield take;
    if (left === 0) return;
  }
  if (header !== undefined) dataOffset(header, region.start);
  throw runsOver(file, region.start);
}

function offset(files: ZipFile[], index: number): number {
  return (files[index] as ZipFile).offsetToLocalFileHeader;
}
