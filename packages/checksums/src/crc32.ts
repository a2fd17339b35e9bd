/**
 * CRC-32 (ISO-HDLC, the one zip and gzip use), incremental, slicing-by-8; `zlib.crc32` needs Node 22.
 */
const TABLES = new Uint32Array(8 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLES[n] = c >>> 0;
}
for (let k = 1; k < 8; k++) {
  for (let n = 0; n < 256; n++) {
    const previous = TABLES[(k - 1) * 256 + n] as number;
    TABLES[k * 256 + n] = ((previous >>> 8) ^ (TABLES[previous & 0xff] as number)) >>> 0;
  }
}
const T = TABLES;

export class Crc32 {
  #crc = 0xffffffff;

  update(chunk: Uint8Array): this {
    let crc = this.#crc;
    let i = 0;
    const end8 = chunk.length - (chunk.length % 8);
    for (; i < end8; i += 8) {
      const a =
        crc ^
        ((chunk[i] as number) |
          ((chunk[i + 1] as number) << 8) |
          ((chunk[i + 2] as number) << 16) |
          ((chunk[i + 3] as number) << 24));
      const b =
        (chunk[i + 4] as number) |
        ((chunk[i + 5] as number) << 8) |
        ((chunk[i + 6] as number) << 16) |
        ((chunk[i + 7] as number) << 24);
      crc =
        (T[7 * 256 + (a & 0xff)] as number) ^
        (T[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
        (T[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
        (T[4 * 256 + (a >>> 24)] as number) ^
        (T[3 * 256 + (b & 0xff)] as number) ^
        (T[2 * 256 + ((b >>> 8) & 0xff)] as number) ^
        (T[256 + ((b >>> 16) & 0xff)] as number) ^
        (T[b >>> 24] as number);
    }
    for (; i < chunk.length; i++) crc = (T[(crc ^ (chunk[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    this.#crc = crc >>> 0;
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
