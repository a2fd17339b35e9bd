import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { type FileHandle, open, unlink } from "node:fs/promises";
import { finished } from "node:stream";
import { Crc64 } from "@cosfn/checksums";
import { BLOCK_BYTES, giveBlock, takeBlock } from "./blocks.ts";

/** What a body written to its file was: its length, MD5 (hex) and CRC-64 (COS's decimal form). */
export interface WrittenBody {
  file: string;
  size: number;
  md5: string;
  crc64: string;
}

/** Blocks of one body waiting for the disk (the one being written included) before its stream is paused. */
const BLOCKS_IN_FLIGHT = 2;

/**
 * Streams `body` into a new `file`, hashing it (MD5 and CRC-64) on the way: the bytes are copied into blocks
 * (`blocks.ts`), each written to the file in one call, so the file gets one write per block instead of one per
 * socket chunk (up to 64 KiB). A body announced (`expectedBytes`) as shorter than a block goes into a buffer of
 * its own size instead, so that many small bodies at once do not each hold a block (a longer body than announced
 * goes on in blocks). A body that ends within its first block or buffer is written in one synchronous call
 * (open, write, close) once it has ended: for the small objects that are most requests, three round trips to
 * libuv's thread pool cost the local cloud more CPU than the write itself. More than `limit` bytes fail with
 * `tooLarge()`. The file is complete and closed when the promise resolves; on any failure (the body's, the
 * limit's, the disk's) it is removed and the body destroyed.
 */
export async function writeBodyFile(
  body: NodeJS.ReadableStream,
  file: string,
  limit: number,
  tooLarge: () => Error,
  expectedBytes?: number,
): Promise<WrittenBody> {
  const md5 = createHash("md5");
  const crc = new Crc64();
  let size = 0;
  const blocks = new BlockWriter(
    file,
    expectedBytes !== undefined && expectedBytes > 0 && expectedBytes < BLOCK_BYTES ? expectedBytes : undefined,
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const stream = body as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
      let failed = false;
      const fail = (error: Error) => {
        if (failed) return;
        failed = true;
        stream.removeListener("data", onData);
        stream.destroy?.(error);
        reject(error);
      };
      let paused = false;
      blocks.start(fail, () => {
        if (paused && blocks.backlog < BLOCKS_IN_FLIGHT) {
          paused = false;
          stream.resume();
        }
      });
      function onData(chunk: Buffer | string): void {
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        size += bytes.length;
        if (size > limit) {
          fail(tooLarge());
          return;
        }
        md5.update(bytes);
        crc.update(bytes);
        blocks.add(bytes);
        if (!paused && blocks.backlog >= BLOCKS_IN_FLIGHT) {
          paused = true;
          stream.pause();
        }
      }
      stream.on("data", onData);
      finished(stream, (error) => {
        stream.removeListener("data", onData);
        if (error) fail(error);
        else if (!failed) blocks.end().then(resolve, fail);
      });
    });
  } catch (error) {
    await blocks.settled();
    await blocks.close().catch(() => {});
    await unlink(file).catch(() => {});
    throw error;
  } finally {
    blocks.release();
  }
  return { file, size, md5: md5.digest("hex"), crc64: crc.digest() };
}

/**
 * Copies chunks into blocks and writes the full ones to the file, one write at a time, in order. A full block is
 * queued once more bytes follow it, so that a body of one block (or one buffer) is still held whole at its end:
 * `end` then writes it with one synchronous call, and the file is never opened for the block writes.
 */
class BlockWriter {
  readonly #path: string;
  #file: Promise<FileHandle> | undefined;
  #fail: (error: Error) => void = () => {};
  #drained: () => void = () => {};
  #block: Buffer | undefined;
  #filled = 0;
  #position = 0;
  readonly #queue: { block: Buffer; length: number }[] = [];
  #writing: Promise<void> | undefined;
  /** The size of a first buffer of its own, for a body announced as shorter than a block. */
  #firstBytes: number | undefined;

  constructor(path: string, firstBytes: number | undefined) {
    this.#path = path;
    this.#firstBytes = firstBytes;
  }

  start(fail: (error: Error) => void, drained: () => void): void {
    this.#fail = fail;
    this.#drained = drained;
  }

  /** Full blocks not yet written, the one being written included. */
  get backlog(): number {
    return this.#queue.length + (this.#writing ? 1 : 0);
  }

  add(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.#block && this.#filled === this.#block.length) this.#queueBlock();
      if (!this.#block) {
        this.#block = this.#firstBytes === undefined ? takeBlock() : Buffer.allocUnsafe(this.#firstBytes);
        this.#firstBytes = undefined;
      }
      const copied = chunk.copy(this.#block, this.#filled, at);
      this.#filled += copied;
      at += copied;
    }
  }

  /**
   * Writes what is held: a body never queued (its one block or buffer, or nothing) in one synchronous call that
   * creates the file; else the last block after the others. Resolves once every byte is in the closed file.
   */
  async end(): Promise<void> {
    if (this.#file === undefined) {
      writeFileSync(this.#path, this.#block ? this.#block.subarray(0, this.#filled) : Buffer.alloc(0));
      return;
    }
    if (this.#filled > 0) this.#queueBlock();
    while (this.#writing) await this.#writing;
    await this.close();
  }

  /** Resolves once no write is in progress (after a failure, before the file is closed and removed). */
  async settled(): Promise<void> {
    this.#queue.length = 0;
    while (this.#writing) await this.#writing.catch(() => {});
  }

  /** Closes the file, if it was opened. */
  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    if (file) await (await file).close();
  }

  /** Gives the blocks back for the next bodies. */
  release(): void {
    for (const { block } of this.#queue.splice(0)) giveBlock(block);
    if (this.#block) giveBlock(this.#block);
    this.#block = undefined;
  }

  #queueBlock(): void {
    this.#file ??= open(this.#path, "w");
    this.#queue.push({ block: this.#block as Buffer, length: this.#filled });
    this.#block = undefined;
    this.#filled = 0;
    if (!this.#writing) this.#next();
  }

  #next(): void {
    const next = this.#queue.shift();
    if (!next) {
      this.#writing = undefined;
      return;
    }
    const position = this.#position;
    this.#position += next.length;
    this.#writing = (this.#file as Promise<FileHandle>)
      .then((file) => writeAll(file, next.block, next.length, position))
      .then(
        () => {
          giveBlock(next.block);
          this.#next();
          this.#drained();
        },
        (error: Error) => {
          this.#writing = undefined;
          this.#queue.length = 0;
          this.#fail(error);
        },
      );
  }
}

async function writeAll(file: FileHandle, block: Buffer, length: number, position: number): Promise<void> {
  let written = 0;
  while (written < length) {
    const { bytesWritten } = await file.write(block, written, length - written, position + written);
    written += bytesWritten;
  }
}
