/**
 * The CRC-64/XZ inner loop as a small WebAssembly module, assembled here from its instructions: slicing-by-16 on
 * native 64-bit integers (then 8 bytes, then a byte at a time for the rest), several times faster than the same
 * loop on 32-bit halves in JavaScript.
 *
 * Memory: the sixteen 256-entry tables of 64-bit values at 0 (`TABLES_BYTES`), the CRC register at `STATE`, and a
 * block of input at `DATA`. `update(length)` runs the register over `length` bytes of the block.
 */
/** Tables: `TABLE_COUNT` of 256 entries of 8 bytes. */
export const TABLE_COUNT = 16;
export const TABLES_BYTES = TABLE_COUNT * 256 * 8;
export const STATE = TABLES_BYTES;
export const DATA = STATE + 16;
/** Two 64 KiB pages: the tables, the register and a block of up to this many bytes. */
export const BLOCK = 2 * 65536 - DATA;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const name = (text: string) => [text.length, ...Buffer.from(text)];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

// Opcodes used below.
const BLOCK_ = 0x02;
const LOOP = 0x03;
const VOID = 0x40;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const GET = 0x20;
const SET = 0x21;
const I32_LOAD8_U = 0x2d;
const I64_LOAD = 0x29;
const I64_STORE = 0x37;
const I32_CONST = 0x41;
const I64_CONST = 0x42;
const I32_GE_U = 0x4f;
const I32_ADD = 0x6a;
const I32_AND = 0x71;
const I32_XOR = 0x73;
const I32_SHL = 0x74;
const I32_SHR_U = 0x76;
const I64_XOR = 0x85;
const I64_SHR_U = 0x88;
const I32_WRAP_I64 = 0xa7;

// Locals: 0 length (param), 1 crc (i64), 2 p, 3 end of the 8-byte steps, 4 end, 5 and 6 the halves of 8 bytes
// (XORed with the register), 7 those 8 bytes (i64), 8 and 9 the halves of the second 8 bytes of a 16-byte step,
// 10 end of the 16-byte steps.
const [LENGTH, CRC, P, END8, END_, LO, HI, WORD, LO2, HI2, END16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const i32 = (value: number) => [I32_CONST, ...sleb(value)];
const load64 = (offset: number) => [I64_LOAD, 3, ...uleb(offset)];

/**
 * `T[table][(half >>> 8 * byte) & 0xff]`, on one 32-bit half of the register: the byte's offset into the table,
 * `byte value * 8`, is one shift and one mask.
 */
function lookup(table: number, half: number, byte: number): number[] {
  const shifted = byte === 0 ? [GET, half, ...i32(3), I32_SHL] : [GET, half, ...i32(8 * byte - 3), I32_SHR_U];
  return [...shifted, ...i32(0x7f8), I32_AND, ...load64(table * 2048)];
}

/** `while (p < limit) { ...step; p += stride }` */
function whileBelow(limit: number, stride: number, ...step: number[]): number[] {
  return [
    BLOCK_,
    VOID,
    LOOP,
    VOID,
    GET,
    P,
    GET,
    limit,
    I32_GE_U,
    BR_IF,
    1,
    ...step,
    GET,
    P,
    ...i32(stride),
    I32_ADD,
    SET,
    P,
    BR,
    0,
    END,
    END,
  ];
}

/** `crc = T[first + 7][b0] ^ ... ^ T[first][b7]` over the bytes in the two halves `lo` (bytes 0-3) and `hi`. */
function eightLookups(first: number, lo: number, hi: number): number[] {
  return [
    ...[3, 2, 1, 0].flatMap((k, i) => [...lookup(first + 4 + k, lo, 3 - k), ...(i > 0 ? [I64_XOR] : [])]),
    ...[3, 2, 1, 0].flatMap((k) => [...lookup(first + k, hi, 3 - k), I64_XOR]),
  ];
}

/** `lo = wrap(value)` and `hi = wrap(value >>> 32)` of the i64 `value` computes (held in WORD meanwhile). */
function halves(lo: number, hi: number, value: number[]): number[] {
  return [
    ...value,
    SET,
    WORD,
    GET,
    WORD,
    I32_WRAP_I64,
    SET,
    lo,
    GET,
    WORD,
    I64_CONST,
    32,
    I64_SHR_U,
    I32_WRAP_I64,
    SET,
    hi,
  ];
}

/** `local = DATA + (length & ~(step - 1))`: where the steps of `step` bytes end (`step` a power of two). */
function endOfSteps(step: number, local: number): number[] {
  const length = step === 1 ? [GET, LENGTH] : [GET, LENGTH, ...i32(-step), I32_AND];
  return [...i32(DATA), ...length, I32_ADD, SET, local];
}

const body = [
  // crc = state; p = DATA; end16 = p + (length & ~15); end8 = p + (length & ~7); end = p + length
  ...i32(0),
  ...load64(STATE),
  SET,
  CRC,
  ...i32(DATA),
  SET,
  P,
  ...endOfSteps(16, END16),
  ...endOfSteps(8, END8),
  ...endOfSteps(1, END_),
  // Sixteen bytes at a time: the register XORed into the first eight, then T15[b0] ^ ... ^ T0[b15].
  ...whileBelow(
    END16,
    16,
    ...halves(LO2, HI2, [GET, P, ...load64(8)]),
    ...halves(LO, HI, [GET, P, ...load64(0), GET, CRC, I64_XOR]),
    ...eightLookups(8, LO, HI),
    ...eightLookups(0, LO2, HI2),
    I64_XOR,
    SET,
    CRC,
  ),
  // Eight bytes at a time: crc ^= load64(p); crc = T7[b0] ^ T6[b1] ^ ... ^ T0[b7]
  ...whileBelow(
    END8,
    8,
    ...halves(LO, HI, [GET, CRC, GET, P, ...load64(0), I64_XOR]),
    ...eightLookups(0, LO, HI),
    SET,
    CRC,
  ),
  // The rest a byte at a time: crc = T0[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  ...whileBelow(
    END_,
    1,
    GET,
    CRC,
    I32_WRAP_I64,
    GET,
    P,
    I32_LOAD8_U,
    0,
    0,
    I32_XOR,
    ...i32(0xff),
    I32_AND,
    ...i32(3),
    I32_SHL,
    ...load64(0),
    GET,
    CRC,
    I64_CONST,
    8,
    I64_SHR_U,
    I64_XOR,
    SET,
    CRC,
  ),
  // state = crc
  ...i32(0),
  GET,
  CRC,
  I64_STORE,
  3,
  ...uleb(STATE),
  END,
];
// Local groups: 1 i64 (crc), 5 i32, 1 i64 (word), 3 i32.
const locals = [4, 1, 0x7e, 5, 0x7f, 1, 0x7e, 3, 0x7f];
const code = [...locals, ...body];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 1, 0x7f, 0]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0, 2]),
  ...section(7, [2, ...name("memory"), 2, 0, ...name("update"), 0, 0]),
  ...section(10, [1, ...uleb(code.length), ...code]),
]);

export interface Crc64Kernel {
  /** The whole memory: tables, register, block. */
  memory: ArrayBuffer;
  update(length: number): void;
}

/** The part of the WebAssembly API used here (Node's typings declare only its types, not the global). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { memory: { buffer: ArrayBuffer }; update(length: number): void } };
}

/** Compiles the module (synchronously: it is a few hundred bytes). */
export function crc64Kernel(): Crc64Kernel {
  const { WebAssembly } = globalThis as unknown as { WebAssembly: WasmApi };
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
  return { memory: exports.memory.buffer, update: exports.update };
}
