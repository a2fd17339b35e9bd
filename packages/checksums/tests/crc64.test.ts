import { describe, expect, it } from "vitest";
import { Crc64, crc64, crc64Combine } from "../src/crc64.ts";

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
