import { Transform, type TransformCallback } from "node:stream";
import { PermanentError } from "@cosfn/runtime";

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** The 12-byte encryption header that starts a ZipCrypto entry's data. */
export const ZIPCRYPTO_HEADER = 12;

/**
 * Decrypts PKWARE's traditional encryption (ZipCrypto, APPNOTE 6.1) as the bytes pass: the 12-byte header is
 * checked against `check` (the CRC's high byte, or the DOS time's high byte with a data descriptor) and dropped;
 * a password that does not match fails the stream with `BAD_PASSWORD` before any byte of the entry is passed on.
 */
export class ZipCryptoDecrypt extends Transform {
  #k0 = 0x12345678;
  #k1 = 0x23456789;
  #k2 = 0x34567890;
  #header = 0;

  constructor(
    password: string,
    private readonly check: number,
    private readonly name: string,
  ) {
    super();
    for (const byte of Buffer.from(password, "utf8")) this.#update(byte);
  }

  #update(byte: number): void {
    this.#k0 = ((CRC_TABLE[(this.#k0 ^ byte) & 0xff] as number) ^ (this.#k0 >>> 8)) >>> 0;
    this.#k1 = (Math.imul((this.#k1 + (this.#k0 & 0xff)) >>> 0, 134775813) + 1) >>> 0;
    this.#k2 = ((CRC_TABLE[(this.#k2 ^ (this.#k1 >>> 24)) & 0xff] as number) ^ (this.#k2 >>> 8)) >>> 0;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out = Buffer.allocUnsafe(chunk.length);
    // The keys in locals, the update inlined: this loop is the whole cost of a ZipCrypto entry.
    let k0 = this.#k0;
    let k1 = this.#k1;
    let k2 = this.#k2;
    for (let i = 0; i < chunk.length; i++) {
      const temp = (k2 | 2) & 0xffff;
      const plain = ((chunk[i] as number) ^ (Math.imul(temp, temp ^ 1) >>> 8)) & 0xff;
      k0 = (CRC_TABLE[(k0 ^ plain) & 0xff] as number) ^ (k0 >>> 8);
      k1 = (Math.imul((k1 + (k0 & 0xff)) | 0, 134775813) + 1) | 0;
      k2 = (CRC_TABLE[(k2 ^ (k1 >>> 24)) & 0xff] as number) ^ (k2 >>> 8);
      out[i] = plain;
    }
    this.#k0 = k0 >>> 0;
    this.#k1 = k1 >>> 0;
    this.#k2 = k2 >>> 0;
    let from = 0;
    if (this.#header < ZIPCRYPTO_HEADER) {
      from = Math.min(out.length, ZIPCRYPTO_HEADER - this.#header);
      this.#header += from;
      if (this.#header === ZIPCRYPTO_HEADER && out[from - 1] !== this.check) {
        callback(new PermanentError("BAD_PASSWORD", `${this.name}: ARCHIVE_PASSWORD does not decrypt the entry`));
        return;
      }
    }
    callback(null, from === 0 ? out : out.subarray(from));
  }

  override _flush(callback: TransformCallback): void {
    if (this.#header < ZIPCRYPTO_HEADER) {
      callback(new PermanentError("CORRUPT_ENTRY", `${this.name}: the encrypted entry ends inside its header`));
      return;
    }
    callback();
  }
}
