import type { Readable } from "node:stream";
import { CosfnError, PermanentError } from "@cosfn/runtime";
import tar from "tar-stream";
import type { ArchiveEntry, ArchiveReader, ReaderEntry, ReaderOptions } from "./types.ts";

const KINDS: Record<string, ArchiveEntry["kind"]> = {
  file: "file",
  "contiguous-file": "file",
  directory: "directory",
  symlink: "symlink",
  link: "hardlink",
  "character-device": "device",
  "block-device": "device",
  fifo: "device",
};

/**
 * Entries up to this size are read whole, so that the reader can go on to the next ones while they are written.
 * Larger ones are streamed: the reader waits at them until they are read.
 */
const WHOLE_ENTRY_BYTES = 1024 * 1024;

/**
 * Walks a tar stream entry by entry, in one pass (long names and PAX headers included, as tar-stream reads them).
 * An entry's bytes are the stream at the reader's position: the next entry comes once they are read, and what is
 * not read is drained then, so an entry that is not written never stalls the walk. `format` and `compressedRead`
 * are given when the tar is the inside of a gzip stream (see `openGzipReader`).
 */
export function openTarReader(
  stream: Readable,
  options: ReaderOptions & { format?: "tar" | "tar.gz"; compressedRead?: () => number },
): ArchiveReader {
  const format = options.format ?? "tar";
  // Names are taken as raw bytes (latin1 maps each byte to one code unit) and decoded like zip names, with
  // FILENAME_ENCODING: tar tools on Chinese or Japanese Windows write GBK, Big5 or Shift_JIS. A PAX `path` is
  // UTF-8 by the standard.
  // (@types/tar-stream does not know the option tar-stream 3 takes.)
  const extract = tar.extract({ filenameEncoding: "latin1" } as Parameters<typeof tar.extract>[0]);
  // The iterator listens for entries from the start: an entry that comes before `entries()` is asked for waits.
  const items = extract[Symbol.asyncIterator]();
  stream.on("error", (error) => extract.destroy(error));
  stream.pipe(extract);
  const corrupt = (error: unknown): unknown =>
    // A failure cosfn classified (a COS read, a refusal) is kept; what the tar library threw is the archive's fault.
    error instanceof CosfnError
      ? error
      : new PermanentError(
          "CORRUPT_ARCHIVE",
          `${options.name}: the ${format} stream is corrupt or truncated (${(error as Error).message})`,
          { cause: error },
        );
  return {
    format,
    listed: undefined,
    ...(options.compressedRead && { compressedRead: options.compressedRead }),
    async *entries(): AsyncGenerator<ReaderEntry> {
      let index = 0;
      try {
        for await (const item of { [Symbol.asyncIterator]: () => items }) {
          const body = item as unknown as Readable;
          const header = item.header;
          const kind = KINDS[header.type ?? "file"] ?? "device";
          const declaredSize = kind === "file" ? (header.size ?? 0) : 0;
          yield {
            index: index++,
            ...nameOf(header),
            kind,
            declaredSize,
            compressedSize: undefined,
            encryption: "none",
            modified: header.mtime,
            crc32: undefined,
            detached: false,
            read: () =>
              declaredSize <= WHOLE_ENTRY_BYTES ? whole(body).catch((error) => Promise.reject(corrupt(error))) : body,
          };
          // Whatever of the entry was not read is drained, or the walk would stop here.
          body.resume();
        }
      } catch (error) {
        throw corrupt(error);
      }
    },
    close: () => {
      stream.destroy();
      extract.destroy();
    },
  };
}

/** A stream's bytes in one buffer. */
async function whole(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An entry's name as bytes: a PAX `path` (UTF-8 by the standard), else the header's own bytes, undecoded. */
function nameOf(header: { name?: string; pax?: unknown }): { nameBytes: Buffer; utf8Flag: boolean } {
  const pax = (header.pax as Record<string, string> | undefined)?.path;
  if (pax !== undefined) return { nameBytes: Buffer.from(pax, "utf8"), utf8Flag: true };
  return { nameBytes: Buffer.from(header.name ?? "", "latin1"), utf8Flag: false };
}
