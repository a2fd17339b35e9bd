/**
 * CRC-64/XZ (the ECMA-182 polynomial, reflected, all-ones init and xor-out): the checksum COS returns as
 * `x-cos-hash-crc64ecma`, a decimal string. Computed on two 32-bit halves so that it runs at hundreds of MB/s
 * without BigInt arithmetic per byte.
 */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[n] = hi;
  TABLE_LO[n] = lo;
}

/** An incremental CRC-64/XZ: `update` with each chunk, then `digest()` for COS's decimal form. */
export class Crc64 {
  #hi = 0xffffffff;
  #lo = 0xffffffff;

  update(chunk: Uint8Array): this {
    let hi = this.#hi;
    let lo = this.#lo;
    for (let i = 0; i < chunk.length; i++) {
      const index = (lo ^ (chunk[i] as number)) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ (TABLE_LO[index] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (TABLE_HI[index] as number)) >>> 0;
    }
    this.#hi = hi;
    this.#lo = lo;
    return this;
  }

  /** The checksum as an unsigned decimal string, e.g. `"11051210869376104954"`. */
  digest(): string {
    const value = (BigInt((this.#hi ^ 0xffffffff) >>> 0) << 32n) | BigInt((this.#lo ^ 0xffffffff) >>> 0);
    return value.toString(10);
  }
}

/** CRC-64/XZ of a whole buffer, as COS's decimal string. */
export function crc64(data: Uint8Array): string {
  return new Crc64().update(data).digest();
}
