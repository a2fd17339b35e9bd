import { describe, expect, it } from "vitest";
import { decodeEntryName } from "../src/entry-names.ts";

const gbk = Buffer.from([0xb2, 0xe2, 0xca, 0xd4, 0x2e, 0x74, 0x78, 0x74]); // 测试.txt in GBK
const big5 = Buffer.from([0xb4, 0xfa, 0xb8, 0xd5, 0x2e, 0x74, 0x78, 0x74]); // 測試.txt in Big5
const sjis = Buffer.from([0x83, 0x65, 0x83, 0x58, 0x83, 0x67, 0x2e, 0x74, 0x78, 0x74]); // テスト.txt in Shift_JIS

describe("decodeEntryName", () => {
  it("reads UTF-8 when the archive flags it, and valid UTF-8 in auto mode", () => {
    expect(decodeEntryName(Buffer.from("测试.txt"), true, "gb18030")).toEqual({ name: "测试.txt", encoding: "utf8" });
    expect(decodeEntryName(Buffer.from("测试.txt"), false, "auto")).toEqual({ name: "测试.txt", encoding: "utf8" });
  });

  it("reads GBK names from Chinese Windows as GB18030 in auto mode", () => {
    expect(decodeEntryName(gbk, false, "auto")).toEqual({ name: "测试.txt", encoding: "gb18030" });
  });

  it.each([
    [big5, "big5", "測試.txt"],
    [sjis, "shift_jis", "テスト.txt"],
    [gbk, "gb18030", "测试.txt"],
    [Buffer.from([0x80, 0x81, 0x82, 0xe1, 0x41]), "cp437", "ÇüéßA"],
  ] as const)("reads the configured encoding %#", (bytes, encoding, name) => {
    expect(decodeEntryName(bytes, false, encoding)).toEqual({ name, encoding });
  });
});
