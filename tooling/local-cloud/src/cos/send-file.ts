import { type FileHandle, open } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { BLOCK_BYTES, giveBlock, takeBlock } from "./blocks.ts";
import type { FilePiece } from "./store.ts";

/**
 * Sends the bytes of `pieces` as the body of `res` (its head already written) and ends it. The files are read
 * into two blocks (`blocks.ts`) in turn, one read while the other is being sent, and a block is read into again
 * only once the socket has taken its bytes: no buffer is allocated per read. Resolves once the response has
 * finished; rejects if a file cannot be read or the connection closes first.
 */
export async function sendPieces(pieces: FilePiece[], res: ServerResponse): Promise<void> {
  const closed = new Promise<never>((_resolve, reject) => {
    res.once("close", () => reject(new Error("the connection closed before the body was sent")));
  });
  closed.catch(() => {});
  const blocks = [takeBlock(), takeBlock()];
  /** The send in progress from each block, if any. */
  const sending: (Promise<void> | undefined)[] = [undefined, undefined];
  let turn = 0;
  let failed = false;
  try {
    for (const piece of pieces) {
      const file = await open(piece.file, "r");
      try {
        for (let position = piece.start; position <= piece.end; ) {
          const block = blocks[turn] as Buffer;
          await Promise.race([sending[turn], closed]);
          const length = await readFully(file, block, Math.min(BLOCK_BYTES, piece.end - position + 1), position);
          sending[turn] = new Promise<void>((resolve, reject) => {
            res.write(block.subarray(0, length), (error) => (error ? reject(error) : resolve()));
          });
          sending[turn]?.catch(() => {});
          position += length;
          turn = 1 - turn;
        }
      } finally {
        await file.close();
      }
    }
    await Promise.race([Promise.all(sending), closed]);
    await Promise.race([new Promise<void>((resolve) => res.end(resolve)), closed]);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A block whose send did not complete may still be referred to by the socket: it is left to the collector.
    if (!failed) for (const block of blocks) giveBlock(block);
  }
}

/** Reads `length` bytes at `position` into the start of `block`; a file shorter than that is an error. */
async function readFully(file: FileHandle, block: Buffer, length: number, position: number): Promise<number> {
  let read = 0;
  while (read < length) {
    const { bytesRead } = await file.read(block, read, length - read, position + read);
    if (bytesRead === 0) throw new Error(`a data file ended ${length - read} bytes early (at byte ${position + read})`);
    read += bytesRead;
  }
  return length;
}
