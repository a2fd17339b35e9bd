/**
 * Blocks of 256 KiB that bodies pass through on their way to and from the disk, reused from body to body: the
 * socket's chunks of a body received die young once copied into a block, and a body sent is read into blocks
 * instead of a new buffer per read, so neither leaves memory that only a full collection frees.
 */
// 256 KiB rather than 1 MiB: in A/B runs of a 1 GiB upload (two each, on a shared machine), 1 MiB blocks cost the
// local cloud more system time than the code before blocks, 256 KiB blocks less; the calls per MiB are few either way.
export const BLOCK_BYTES = 256 * 1024;
/** Blocks kept for the next bodies once done with: enough for a few transfers at once, not more. */
const SPARE_BLOCKS = 16;
const spare: Buffer[] = [];

/** A block to fill: a spare one, else a new one. */
export function takeBlock(): Buffer {
  return spare.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
}

/** Gives a block back once nothing refers to its bytes any more (a write or a send of them has completed). */
export function giveBlock(block: Buffer): void {
  // A smaller buffer (a short body's own) is left to the collector.
  if (block.length === BLOCK_BYTES && spare.length < SPARE_BLOCKS) spare.push(block);
}
