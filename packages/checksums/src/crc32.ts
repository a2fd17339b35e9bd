/** CRC-32 (ISO-HDLC, the one zip and gzip use), incremental; `zlib.crc32` needs Node 22. */
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c >>> 0;
}

export class Crc32 {
  #crc = 0xffffffff;

  update(chunk: Uint8Array): this {
    let crc = this.#crc;
    for (let i = 0; i < chunk.length; i++) crc = (TABLE[(crc ^ (chunk[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    this.#crc = crc;
    return this;
  }

  /** The checksum as an unsigned 32-bit number. */
  digest(): number {
    return (this.#crc ^ 0xffffffff) >>> 0;
  }
}

export function crc32(data: Uint8Array): number {
  return new Crc32().update(data).digest();
}
