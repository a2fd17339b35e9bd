import { describe, expect, it } from "vitest";
import { Crc64, crc64, crc64Combine } from "../src/crc64.ts";
import { BLOCK } from "../src/crc64-wasm.ts";

describe("crc64 (CRC-64/XZ, COS's x-cos-hash-crc64ecma)", () => {
  it("matches the catalogued check value for '123456789'", () => {
    // CRC-64/XZ check value 0x995dc9bbdf1939fa
    expect(crc64(Buffer.from("123456789"))).toBe(BigInt("0x995dc9bbdf1939fa").toString());
  });

  it("is 0 for no data", () => {
    expect(crc64(new Uint8Array(0))).toBe("0");
  });

  it("gives the same value however the data is split", () => {
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => (i * 31 + 7) & 0xff));
    const whole = crc64(data);
    const parts = new Crc64();
    for (let at = 0; at < data.length; at += 777) parts.update(data.subarray(at, at + 777));
    expect(parts.digest()).toBe(whole);
    expect(crc64(Buffer.concat([data, Buffer.from([1])]))).not.toBe(whole);
  });
});

/** Bit at a time, straight from the definition: the reference the table-driven kernel must match. */
function reference(data: Uint8Array): string {
  const poly = 0xc96c5795d7870f42n;
  let crc = 0xffffffffffffffffn;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
  }
  return (crc ^ 0xffffffffffffffffn).toString();
}

describe("crc64 kernel (WebAssembly)", () => {
  it("matches the bitwise definition for every length around its 16- and 8-byte steps and its block size", () => {
    let seed = 1;
    const data = Uint8Array.from({ length: 2 * BLOCK + 3 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >>> 16;
    });
    for (const length of [
      1,
      2,
      7,
      8,
      9,
      15,
      16,
      17,
      23,
      24,
      25,
      31,
      32,
      33,
      63,
      64,
      65,
      1000,
      BLOCK - 1,
      BLOCK,
      BLOCK + 1,
      2 * BLOCK + 3,
    ]) {
      const slice = data.subarray(data.length - length);
      expect(crc64(slice), `length ${length}`).toBe(reference(slice));
    }
  });

  it("keeps each running checksum apart when several are updated in turn", () => {
    const a = new Crc64();
    const b = new Crc64();
    const left = Buffer.alloc(200_000, "left");
    const right = Buffer.alloc(200_000, "right");
    for (let at = 0; at < left.length; at += 50_000) {
      a.update(left.subarray(at, at + 50_000));
      b.update(right.subarray(at, at + 50_000));
    }
    expect(a.digest()).toBe(crc64(left));
    expect(b.digest()).toBe(crc64(right));
  });
});

describe("crc64Combine", () => {
  it("gives the CRC of the concatenation from the parts' CRCs and lengths", () => {
    const data = Buffer.from(Array.from({ length: 100_003 }, (_, i) => (i * 131 + 17) & 0xff));
    for (const cut of [0, 1, 7, 8, 9, 4096, 50_000, 100_002, 100_003]) {
      const a = data.subarray(0, cut);
      const b = data.subarray(cut);
      expect(crc64Combine(crc64(a), crc64(b), b.length)).toBe(crc64(data));
    }
  });

  it("chains over many parts", () => {
    const parts = Array.from({ length: 20 }, (_, i) => Buffer.alloc(1000 + i * 37, i));
    let combined = crc64(new Uint8Array(0));
    for (const part of parts) combined = crc64Combine(combined, crc64(part), part.length);
    expect(combined).toBe(crc64(Buffer.concat(parts)));
  });
});
