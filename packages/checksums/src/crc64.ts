/**
 * CRC-64/XZ (the ECMA-182 polynomial, reflected, all-ones init and xor-out): the checksum COS returns as
 * `x-cos-hash-crc64ecma`, a decimal string. Computed slicing-by-16 on 64-bit integers in a small WebAssembly
 * kernel (crc64-wasm.ts), and combinable, so that a multipart object's checksum follows from its parts'.
 */
import { BLOCK, crc64Kernel, DATA, STATE, TABLE_COUNT } from "./crc64-wasm.ts";

const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

/** The kernel's tables of 256 entries, each entry a (lo, hi) pair: `TABLES[((k * 256) + byte) * 2 + 0|1]`. */
const TABLES = new Uint32Array(TABLE_COUNT * 256 * 2);
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
  TABLES[n * 2] = lo;
  TABLES[n * 2 + 1] = hi;
}
for (let k = 1; k < TABLE_COUNT; k++) {
  for (let n = 0; n < 256; n++) {
    const prevLo = TABLES[((k - 1) * 256 + n) * 2] as number;
    const prevHi = TABLES[((k - 1) * 256 + n) * 2 + 1] as number;
    const index = (prevLo & 0xff) * 2;
    TABLES[(k * 256 + n) * 2] = (((prevLo >>> 8) | (prevHi << 24)) ^ (TABLES[index] as number)) >>> 0;
    TABLES[(k * 256 + n) * 2 + 1] = ((prevHi >>> 8) ^ (TABLES[index + 1] as number)) >>> 0;
  }
}

const kernel = crc64Kernel();
new Uint32Array(kernel.memory, 0, TABLES.length).set(TABLES);
const registers = new Uint32Array(kernel.memory, STATE, 2);
const block = new Uint8Array(kernel.memory, DATA, BLOCK);

/** An incremental CRC-64/XZ: `update` with each chunk, then `digest()` for COS's decimal form. */
export class Crc64 {
  #hi = 0xffffffff;
  #lo = 0xffffffff;

  update(chunk: Uint8Array): this {
    registers[0] = this.#lo;
    registers[1] = this.#hi;
    for (let at = 0; at < chunk.length; at += BLOCK) {
      const piece = chunk.subarray(at, at + BLOCK);
      block.set(piece);
      kernel.update(piece.length);
    }
    this.#lo = registers[0] as number;
    this.#hi = registers[1] as number;
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

// ---- combining (as zlib's crc32_combine, over GF(2) with 64x64 matrices) ----

const MASK = (1n << 64n) - 1n;
const POLY = (BigInt(POLY_HI) << 32n) | BigInt(POLY_LO);

function timesMatrix(matrix: bigint[], vector: bigint): bigint {
  let sum = 0n;
  let v = vector;
  for (let i = 0; v !== 0n; i++, v >>= 1n) if (v & 1n) sum ^= matrix[i] as bigint;
  return sum;
}

function square(matrix: bigint[]): bigint[] {
  return matrix.map((row) => timesMatrix(matrix, row));
}

function multiply(a: bigint[], b: bigint[]): bigint[] {
  return b.map((column) => timesMatrix(a, column));
}

/** Operators that append 1, 2, 4, 8... zero bytes, built as they are first needed. */
const appendZeroBytes: bigint[][] = [];

function appendZeroBytesOperator(bit: number): bigint[] {
  while (appendZeroBytes.length <= bit) {
    const previous = appendZeroBytes.at(-1);
    if (previous) appendZeroBytes.push(square(previous));
    else {
      // One zero bit, squared three times: one zero byte.
      let one: bigint[] = [POLY, ...Array.from({ length: 63 }, (_, i) => 1n << BigInt(i))];
      for (let i = 0; i < 3; i++) one = square(one);
      appendZeroBytes.push(one);
    }
  }
  return appendZeroBytes[bit] as bigint[];
}

/** The operator for `length` zero bytes, kept for the lengths seen last (a multipart object's parts share one). */
const byLength = new Map<number, bigint[]>();

function operatorFor(length: number): bigint[] {
  let operator = byLength.get(length);
  if (operator) return operator;
  for (let bit = 0; 2 ** bit <= length; bit++) {
    if (Math.floor(length / 2 ** bit) % 2 === 1) {
      const step = appendZeroBytesOperator(bit);
      operator = operator ? multiply(step, operator) : step;
    }
  }
  byLength.set(length, operator as bigint[]);
  if (byLength.size > 16) byLength.delete(byLength.keys().next().value as number);
  return operator as bigint[];
}

/**
 * The CRC-64/XZ of `A` followed by `B`, from the CRC of `A`, the CRC of `B` and the length of `B`; decimal
 * strings as COS writes them. Costs one 64x64 matrix product over GF(2) once the operator for the length is
 * known (built from cached powers of two, and kept per length), not a pass over the bytes.
 */
export function crc64Combine(crcA: string, crcB: string, lengthB: number): string {
  if (lengthB === 0) return crcA;
  const a = timesMatrix(operatorFor(lengthB), BigInt(crcA));
  return ((a ^ BigInt(crcB)) & MASK).toString(10);
}
