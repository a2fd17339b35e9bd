import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { detectFormat } from "../../src/readers/detect.ts";

function tarHeader(name: string, magic = true): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, "latin1");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write("00000000005\0", 124);
  header.write("00000000000\0", 136);
  header.write("0", 156);
  if (magic) header.write("ustar\u000000", 257, "latin1");
  header.write("        ", 148);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return header;
}

describe("detectFormat", () => {
  it.each([
    [Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]), { format: "zip" }],
    [Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0]), { format: "zip" }],
    [gzipSync(Buffer.from("hello")), { format: "gzip-unknown" }],
    [tarHeader("a.txt"), { format: "tar" }],
    [tarHeader("old.txt", false), { format: "tar" }],
  ])("recognises %#", (head, expected) => {
    expect(detectFormat(head)).toEqual(expected);
  });

  it.each([
    [Buffer.from("7z\xbc\xaf\x27\x1c\0\x04", "latin1"), "7z archive"],
    [Buffer.from("Rar!\x1a\x07\0", "latin1"), "RAR archive"],
    [Buffer.from("BZh91AY&SY"), "bzip2"],
    [Buffer.from("\xfd7zXZ\0\0", "latin1"), "xz"],
    [Buffer.from("just text that is named .zip"), "not an archive"],
    [Buffer.alloc(0), "empty object"],
    [Buffer.alloc(512), "not an archive"],
  ])("refuses %#", (head, reason) => {
    const result = detectFormat(head);
    expect("unsupported" in result && result.unsupported).toContain(reason);
  });
});
