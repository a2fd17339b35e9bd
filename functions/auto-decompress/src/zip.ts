import type { Readable } from "node:stream";
import type { RangeSource } from "@cosfn/cos";
import unzipper from "unzipper";
import type { ArchiveEntry } from "./plan.ts";

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
  lastModifiedDateTime: Date;
  stream(password?: string): Readable;
}

/** A zip opened through its central directory: its entries, and a way to inflate one. */
export interface OpenZip {
  entries: ArchiveEntry[];
  open(index: number, password: string | undefined): Readable;
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
 * Reads a zip's central directory with range reads (unzipper's Open.custom over the COS range source, with
 * `tailSize: 65557` so that archive comments of any length work): no download of the archive, and memory
 * independent of its size. zip64 and data descriptors are read from the central directory.
 */
export async function openZip(source: RangeSource): Promise<OpenZip> {
  const open = unzipper.Open.custom as unknown as (
    source: RangeSource,
    options: { tailSize: number },
  ) => Promise<{ files: unknown[] }>;
  // unzipper takes the first end-of-central-directory signature in the tail it reads; a stored zip near the
  // end of the archive carries one too. The real record is the last one whose comment length fits: the tail
  // given to unzipper starts exactly there.
  const directory = await open(source, { tailSize: await endOfCentralDirectoryTail(source) });
  const files = directory.files as unknown as ZipFile[];
  const entries = files.map((file, index): ArchiveEntry => {
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
  });
  return {
    entries,
    open: (index, password) => (files[index] as ZipFile).stream(password),
  };
}
