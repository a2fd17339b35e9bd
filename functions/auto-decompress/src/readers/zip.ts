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
import { ZIPCRYPTO_HEADER, ZipCryptoDecrypt } from "./zipcrypto.ts";

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
  /** The DOS time as stored: its high byte checks a ZipCrypto password when the entry has a data descriptor. */
  lastModifiedTime: number;
  lastModifiedDateTime: Date;
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

/** Names of the compression methods APPNOTE lists, for the refusal of those the function does not inflate. */
const METHODS: Record<number, string> = {
  1: "shrink",
  2: "reduce",
  3: "reduce",
  4: "reduce",
  5: "reduce",
  6: "implode",
  9: "deflate64",
  10: "PKWARE implode",
  12: "bzip2",
  14: "LZMA",
  18: "IBM TERSE",
  19: "IBM LZ77",
  93: "Zstandard",
  94: "MP3",
  95: "xz",
  96: "JPEG",
  97: "WavPack",
  98: "PPMd",
  99: "AES",
};

/** An entry whose compression method is neither stored (0) nor deflate (8): refused, never inflated. */
export function unsupportedMethod(name: string, method: number): PermanentError {
  const known = METHODS[method];
  return new PermanentError(
    "UNSUPPORTED_METHOD",
    `${name}: compression method ${method}${known ? ` (${known})` : ""} is not supported (stored and deflate are)`,
  );
}

/**
 * Opens a zip through its central directory, read with range reads (unzipper's Open.custom over the COS range
 * source, after locating the real end-of-central-directory record, so that archive comments of any length work):
 * no download of the archive, and memory independent of its size. zip64 and data descriptors are read from the
 * central directory. Entries come in the order their bytes lie; each one's bytes are fetched when read, small
 * plain ones whole in spans of neighbours, the others streamed with one range read (ZipCrypto ones decrypted
 * with `password`). Only stored and deflated entries are read: any other method fails the entry, named. Every
 * entry reads exactly the compressed bytes the central directory declares, between its local header and the
 * next entry, whatever its local header says.
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
  const spans = new SpanReader(source, files, directory.offsetToStartOfCentralDirectory, options.password);
  return {
    format: "zip",
    listed: entries,
    async *entries(): AsyncGenerator<ReaderEntry> {
      for (const index of spans.order) {
        const entry = entries[index] as ArchiveEntry;
        const read: BytesRead = { bytes: 0 };
        yield {
          ...entry,
          detached: true,
          read: () => (entry.kind !== "file" ? Promise.resolve(Buffer.alloc(0)) : spans.read(index, read)),
          compressedRead: () => read.consumed?.() ?? read.bytes,
        };
      }
    },
    close: () => {},
  };
}

/**
 * The compressed bytes read for one entry: those passed on so far, or, once an inflater takes them, those it has
 * consumed (zlib counts them per chunk it inflates), so the ratio is never flattered by read-ahead.
 */
interface BytesRead {
  bytes: number;
  consumed?: () => number;
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
  const start = file.offsetToLocalFileHeader;
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
    method: file.compressionMethod,
    extent: { start, end: start + 30 + file.pathBuffer.length + file.compressedSize },
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
 * Reads entries by their regions: the bytes between one entry's local header and the next entry's (the central
 * directory for the last). Neighbouring regions of small plain entries form a span of up to 2 MiB that one range
 * read fetches, so extracting many small files costs one GET per span instead of one per entry, and the next span
 * is fetched while the current one is inflated; a small entry is inflated whole, stopping one byte past the size
 * the central directory declares, so a lying entry cannot grow. Other entries (larger, or ZipCrypto) stream from
 * one range read over their region. Either way the local header is checked against the region, and exactly the
 * compressed size the central directory declares is read, never past the region.
 */
class SpanReader {
  /** File indexes by offset of their local header. */
  readonly order: number[];
  /** Where each stored or deflated entry's local header and data lie; small plain ones in a span. */
  readonly #regions = new Map<number, { start: number; end: number; span: Span | undefined }>();
  readonly #fetched = new Map<Span, Promise<Buffer>>();

  constructor(
    private readonly source: RangeSource,
    private readonly files: ZipFile[],
    centralDirectory: number,
    private readonly password: string | undefined,
  ) {
    this.order = files.map((_, index) => index).sort((a, b) => offset(files, a) - offset(files, b));
    let span: Span | undefined;
    for (let k = 0; k < this.order.length; k++) {
      const index = this.order[k] as number;
      const file = files[index] as ZipFile;
      const start = offset(files, index);
      const following = this.order[k + 1];
      const end = following === undefined ? centralDirectory : offset(files, following);
      const readable = file.compressionMethod === 0 || file.compressionMethod === 8;
      if (readable && end > start) this.#regions.set(index, { start, end, span: undefined });
      const small =
        readable &&
        (file.flags & 1) === 0 &&
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

  /**
   * The entry's inflated bytes: whole for a small plain entry, else a stream. `read.bytes` counts the compressed
   * bytes read for it. An entry of another method fails (`UNSUPPORTED_METHOD`), as does one whose region is empty
   * (its local header shares an offset with another's: the overlap check refuses such an archive first).
   */
  read(index: number, read: BytesRead): Promise<Buffer> | Readable {
    const file = this.files[index] as ZipFile;
    const name = file.pathBuffer.toString();
    if (file.compressionMethod !== 0 && file.compressionMethod !== 8) {
      return Promise.reject(unsupportedMethod(name, file.compressionMethod));
    }
    const region = this.#regions.get(index);
    if (!region)
      return Promise.reject(new EntryBytesError(`no bytes of its own at offset ${file.offsetToLocalFileHeader}`));
    if (region.span) return this.#whole(file, region, region.span, read);
    return this.#stream(file, region, read);
  }

  #whole(file: ZipFile, region: { start: number; end: number }, span: Span, read: BytesRead): Promise<Buffer> {
    const fetched = this.#fetch(span);
    if (span.next) this.#fetch(span.next).catch(() => {});
    return fetched.then((bytes) => {
      const at = region.start - span.start;
      const dataStart = at + dataOffset(bytes.subarray(at, region.end - span.start), region.start);
      const dataEnd = dataStart + file.compressedSize;
      if (dataEnd > region.end - span.start) throw runsOver(file, region.start);
      const data = bytes.subarray(dataStart, dataEnd);
      read.bytes = data.length;
      if (file.compressionMethod === 0) return Buffer.from(data);
      // One output buffer of the declared size and a byte more: no chunks to join (zlib's default is 16 KiB). An
      // entry that goes on past it fills at most one more such buffer (1 MiB at most) before zlib stops it.
      const limit = file.uncompressedSize + 1;
      return inflateRawSync(data, { maxOutputLength: limit, chunkSize: Math.max(64, limit) });
    });
  }

  /**
   * An entry of any size as a stream: one range read from its local header to the next entry, decrypted when
   * ZipCrypto, inflated in 256 KiB chunks when deflated.
   */
  #stream(file: ZipFile, region: { start: number; end: number }, read: BytesRead): Readable {
    let raw: Readable = Readable.from(compressedBytes(this.source, file, region, read), { objectMode: false });
    if ((file.flags & 1) !== 0) {
      const check = (file.flags & 0x8) !== 0 ? (file.lastModifiedTime >>> 8) & 0xff : file.crc32 >>> 24;
      const decrypt = new ZipCryptoDecrypt(this.password ?? "", check, file.pathBuffer.toString());
      raw.on("error", (error) => decrypt.destroy(error));
      raw = raw.pipe(decrypt);
    }
    if (file.compressionMethod === 0) return raw;
    const inflate = createInflateRaw({ chunkSize: 256 * 1024 });
    const header = (file.flags & 1) !== 0 ? ZIPCRYPTO_HEADER : 0;
    read.consumed = () => inflate.bytesWritten + header;
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
  read: BytesRead,
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
    read.bytes += take.length;
    if (take.length > 0) yield take;
    if (left === 0) return;
  }
  if (header !== undefined) dataOffset(header, region.start);
  throw runsOver(file, region.start);
}

function offset(files: ZipFile[], index: number): number {
  return (files[index] as ZipFile).offsetToLocalFileHeader;
}
