import { Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import { CosfnError, PermanentError } from "@cosfn/runtime";
import { isTarHeader } from "./detect.ts";
import { openTarReader } from "./tar.ts";
import type { ArchiveReader, ReaderEntry, ReaderOptions } from "./types.ts";

/**
 * Opens a gzip stream: inflates it, and from the first 512 bytes it inflates to tells a `.tar.gz` (read on by
 * the tar reader) from a single gzipped file, which is one entry named after the archive without `.gz`, of a
 * size no header declares. Either way `compressedRead` counts the compressed bytes, for the whole stream's ratio.
 */
export async function openGzipReader(stream: Readable, options: ReaderOptions): Promise<ArchiveReader> {
  const counter = new ByteCounter();
  const inflated = gunzip(stream, counter);
  const compressedRead = () => counter.bytes;
  const { peeked, rest } = await peek(inflated, 512);
  if (peeked.length >= 512 && isTarHeader(peeked)) {
    return openTarReader(rest, { ...options, format: "tar.gz", compressedRead });
  }
  const file = options.name.slice(options.name.lastIndexOf("/") + 1);
  const name = file.replace(/\.gz$/i, "") || file;
  return {
    format: "gzip",
    listed: undefined,
    compressedRead,
    async *entries(): AsyncGenerator<ReaderEntry> {
      yield {
        index: 0,
        nameBytes: Buffer.from(name),
        utf8Flag: true,
        kind: "file",
        declaredSize: Number.POSITIVE_INFINITY,
        compressedSize: undefined,
        encryption: "none",
        modified: undefined,
        crc32: undefined,
        detached: false,
        read: () => rest,
      };
    },
    close: () => {
      stream.destroy();
      rest.destroy();
    },
  };
}

/** Counts the bytes that pass, for the compression ratio of a gzip stream. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/** Inflates a gzip stream, failing on trailing garbage and on a truncated stream as zlib reports them. */
function gunzip(stream: Readable, counter: ByteCounter): Readable {
  const inflate = createGunzip();
  stream.on("error", (error) => inflate.destroy(error));
  counter.on("error", (error) => inflate.destroy(error));
  return stream.pipe(counter).pipe(inflate);
}

/** Reads the first `size` bytes of a stream and gives back a stream that still yields all of them. */
async function peek(stream: Readable, size: number): Promise<{ peeked: Buffer; rest: Readable }> {
  const chunks: Buffer[] = [];
  let total = 0;
  const iterator = stream[Symbol.asyncIterator]();
  let done = false;
  while (total < size) {
    const next = await iterator.next().catch((error: Error) => {
      if (error instanceof CosfnError) throw error; // a COS read failed, not the archive
      throw new PermanentError("CORRUPT_ARCHIVE", `the gzip stream is corrupt (${error.message})`, { cause: error });
    });
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value as Buffer);
    total += (next.value as Buffer).length;
  }
  const peeked = Buffer.concat(chunks);
  async function* replay() {
    yield peeked;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { peeked, rest: Readable.from(replay()) };
}
