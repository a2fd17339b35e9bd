import { Readable } from "node:stream";
import type { RangeSource } from "@cosfn/cos";

/** A RangeSource over bytes in memory, as COS range reads give them, counting the reads. */
export function bufferSource(bytes: Buffer): RangeSource & { reads: number } {
  const source = {
    reads: 0,
    size: async () => bytes.length,
    stream: (offset: number, length?: number) => {
      source.reads++;
      return Readable.from([bytes.subarray(offset, length === undefined ? undefined : offset + length)]);
    },
  };
  return source;
}
