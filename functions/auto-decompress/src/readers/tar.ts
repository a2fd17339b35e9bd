import { type Readable, Transform } from "node:stream";
import { createGunzip } from "node:zlib";
import tar from "tar-stream";
import type { ArchiveEntry } from "./plan.ts";

/** One entry of a tar stream, as its header describes it, with its bytes. */
export interface TarEntry {
  entry: ArchiveEntry;
  body: Readable;
}

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
 * Walks a tar stream entry by entry, in one pass (long names and PAX headers included, as tar-stream reads
 * them). The consumer must read or drain each body before the next entry comes.
 */
export async function* readTar(stream: Readable): AsyncGenerator<TarEntry> {
  const extract = tar.extract();
  stream.on("error", (error) => extract.destroy(error));
  stream.pipe(extract);
  let index = 0;
  for await (const item of extract) {
    const header = item.header;
    const name = header.name ?? "";
    const kind = KINDS[header.type ?? "file"] ?? "device";
    yield {
      entry: {
        index: index++,
        nameBytes: Buffer.from(name, "utf8"),
        utf8Flag: true,
        kind,
        declaredSize: kind === "file" ? (header.size ?? 0) : 0,
        compressedSize: 0,
        encryption: "none",
        modified: header.mtime,
        crc32: undefined,
      },
      body: item as unknown as Readable,
    };
  }
}

/** Counts the bytes that pass, for the compression ratio of a gzip stream. */
export class ByteCounter extends Transform {
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
export function gunzip(stream: Readable, counter: ByteCounter): Readable {
  const inflate = createGunzip();
  stream.on("error", (error) => inflate.destroy(error));
  counter.on("error", (error) => inflate.destroy(error));
  return stream.pipe(counter).pipe(inflate);
}
