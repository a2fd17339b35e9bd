import { crc32 as zlibCrc32 } from "node:zlib";

/**
 * CRC-32 (ISO-HDLC, the one zip and gzip use), incremental, on Node's native `zlib.crc32` (Node 20.15 and
 * later, the SCF runtime's version).
 */
export class Crc32 {
  #crc = 0;

  update(chunk: Uint8Array): this {
    this.#crc = zlibCrc32(chunk, this.#crc);
    return this;
  }

  /** The checksum as an unsigned 32-bit number. */
  digest(): number {
    return this.#crc >>> 0;
  }
}

export function crc32(data: Uint8Array): number {
  return zlibCrc32(data) >>> 0;
}
