import { deflateRawSync, gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Crc32, crc32 } from "../src/index.ts";

describe("crc32", () => {
  it("matches the catalogued check value and gzip's trailer", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff));
    const gz = gzipSync(data);
    expect(crc32(data)).toBe(gz.readUInt32LE(gz.length - 8));
    expect(deflateRawSync(data).length).toBeGreaterThan(0);
  });

  it("gives the same value however the data is split", () => {
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 13) & 0xff));
    const parts = new Crc32();
    for (let at = 0; at < data.length; at += 333) parts.update(data.subarray(at, at + 333));
    expect(parts.digest()).toBe(crc32(data));
  });
});
