// Writes test-fixtures/archives/: one small archive per case the auto-decompress tests cover. The files are
// committed; run `npx tsx functions/auto-decompress/scripts/make-corpus.ts` to make them again.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { deflateRawSync, gzipSync } from "node:zlib";
import { makeRawTar, makeTar } from "./tar-writer.ts";
import { writeQuotedOverlapZip, writeZip } from "./zip-writer.ts";

const dir = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
mkdirSync(dir, { recursive: true });
const text = (s: string) => Buffer.from(s, "utf8");
const write = (name: string, data: Uint8Array) => writeFileSync(`${dir}${name}`, data);
/** Pseudo-random lowercase text: compresses about 2:1, like real files. */
const noise = (length: number, seed: number) => {
  const bytes = Buffer.alloc(length);
  let state = seed + 1;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = 97 + ((state >>> 16) % 16);
  }
  return bytes;
};

write(
  "traversal.zip",
  writeZip([
    { name: "../evil.txt", data: text("evil") },
    { name: "../../etc/cron.d/evil", data: text("evil") },
    { name: "/abs/evil.txt", data: text("evil") },
    { name: "C:\\Windows\\evil.dll", data: text("evil") },
    { name: "\\\\server\\share\\evil", data: text("evil") },
    { name: "ok/..\\..\\evil.txt", data: text("evil") },
    { name: "bad\u0001name.txt", data: text("evil") },
    { name: "win\\style\\path.txt", data: text("normalised") },
    { name: "a//b/./c.txt", data: text("normalised") },
    { name: "safe.txt", data: text("safe") },
  ]),
);
write(
  "symlink.zip",
  writeZip([
    { name: "link", data: text("../../etc/passwd"), unixMode: 0o120777, method: 0 },
    { name: "real.txt", data: text("real"), unixMode: 0o100644 },
  ]),
);
write("zipcrypto.zip", writeZip([{ name: "secret.txt", data: text("the secret"), password: "cosfn-pass", method: 0 }]));
write(
  "aes.zip",
  writeZip([
    { name: "aes.txt", data: text("not really encrypted"), aes: true },
    { name: "plain.txt", data: text("plain") },
  ]),
);
write(
  "zip64.zip",
  writeZip([{ name: "big-header.txt", data: text("zip64 sizes"), zip64: true, method: 0 }], { zip64End: true }),
);
write(
  "data-descriptor.zip",
  writeZip([
    { name: "streamed-1.txt", data: text("written by a streaming zipper"), dataDescriptor: true },
    { name: "streamed-2.txt", data: text("second"), dataDescriptor: true, method: 0 },
  ]),
);
write(
  "long-comment.zip",
  writeZip([{ name: "c.txt", data: text("with a comment") }], { comment: "这是一个很长的压缩包注释 ".repeat(12) }),
);
// 测试/文件.txt and 报告.doc in GBK, as zips made on Chinese Windows store them, without the UTF-8 flag.
write(
  "gbk-names.zip",
  writeZip([
    {
      name: Buffer.from([0xb2, 0xe2, 0xca, 0xd4, 0x2f, 0xce, 0xc4, 0xbc, 0xfe, 0x2e, 0x74, 0x78, 0x74]),
      data: text("gbk"),
      utf8Flag: false,
    },
    { name: Buffer.from([0xb1, 0xa8, 0xb8, 0xe6, 0x2e, 0x64, 0x6f, 0x63]), data: text("report"), utf8Flag: false },
  ]),
);
write(
  "big5-names.zip",
  writeZip([
    { name: Buffer.from([0xb4, 0xfa, 0xb8, 0xd5, 0x2e, 0x74, 0x78, 0x74]), data: text("big5"), utf8Flag: false },
  ]),
);
write(
  "duplicates.zip",
  writeZip([
    { name: "same.txt", data: text("first") },
    { name: "same.txt", data: text("second") },
  ]),
);
write("empty.zip", writeZip([]));
write(
  "directories-only.zip",
  writeZip([
    { name: "a/", data: new Uint8Array(0), method: 0 },
    { name: "a/b/", data: new Uint8Array(0), method: 0 },
  ]),
);
write("zero-byte.zip", writeZip([{ name: "empty-1.txt" }, { name: "sub/empty-2.bin", method: 0 }]));
write(
  "macos.zip",
  writeZip([
    { name: "photo.jpg", data: text("jpeg bytes") },
    { name: "__MACOSX/._photo.jpg", data: text("resource fork") },
    { name: ".DS_Store", data: text("finder") },
    { name: "sub/.DS_Store", data: text("finder") },
  ]),
);
write(
  "nested.zip",
  writeZip([
    { name: "inner.zip", data: writeZip([{ name: "deep.txt", data: text("deep") }]), method: 0 },
    { name: "inner.tar.gz", data: gzipSync(await makeTar([{ name: "t.txt", body: "t" }])), method: 0 },
  ]),
);
write("bomb-ratio.zip", writeZip([{ name: "zeros.bin", data: new Uint8Array(8 * 1024 * 1024) }]));
write("bomb-count.zip", writeZip(Array.from({ length: 300 }, (_, i) => ({ name: `f/${i}.txt`, data: text(`${i}`) }))));
write("bomb-size.zip", writeZip([{ name: "big.bin", data: Buffer.alloc(3 * 1024 * 1024, 0x61) }]));
write(
  "lying-size.zip",
  writeZip([
    { name: "liar.bin", data: Buffer.alloc(4096, 0x62), declaredSize: 1024 },
    { name: "honest.txt", data: text("honest") },
  ]),
);
const whole = writeZip([
  { name: "a.txt", data: Buffer.alloc(4000, 0x63) },
  { name: "b.txt", data: Buffer.alloc(4000, 0x64) },
]);
write("truncated.zip", whole.subarray(0, whole.length - 40));
write("not-an-archive.zip", text("This is a text file that someone named .zip.\n"));
write(
  "long-names.tar",
  await makeTar([
    { name: `${"long-directory-name/".repeat(8)}final-file-name.txt`, body: "long" },
    { name: "symlink", type: "symlink", linkname: "../../etc/passwd" },
    { name: "dir/", type: "directory" },
    { name: "dir/file.txt", body: "file" },
  ]),
);
write(
  "traversal.tar",
  await makeTar([
    { name: "../evil.txt", body: "evil" },
    { name: "/abs.txt", body: "evil" },
    { name: "fine.txt", body: "fine" },
  ]),
);
write(
  "sample.tgz",
  gzipSync(
    await makeTar([
      { name: "x/y.txt", body: "y" },
      { name: "z.txt", body: "z" },
    ]),
  ),
);
write("single.txt.gz", gzipSync(text("a single gzipped file\n")));

// Bombs whose headers look harmless: overlapping entries, methods other than stored and deflate, ratios that only
// the bytes actually read reveal, and a stream that passes MAX_ENTRIES part way.
write(
  "overlap-shared.zip",
  writeZip([
    { name: "readme.txt", data: text("read me") },
    { name: "kernel.bin", data: noise(64 * 1024, 1) },
    ...Array.from({ length: 9 }, (_, i) => ({ name: `copy-${i + 1}.bin`, sharesDataOf: 1 })),
  ]),
);
write("overlap-quoted.zip", writeQuotedOverlapZip(10, noise(64 * 1024, 2)));
write(
  "methods.zip",
  writeZip([
    { name: "plain.txt", data: text("plain") },
    { name: "small.bz2", data: noise(2000, 3), method: 12 },
    { name: "large.bin", data: noise(100 * 1024, 4), method: 14, declaredSize: 2 * 1024 * 1024 },
    { name: "secret.ppmd", data: noise(3000, 5), method: 98, password: "cosfn-pass" },
  ]),
);
{
  // The central directory declares 8 MiB from 56 KiB (146:1, within MAX_ENTRY_RATIO); the deflate stream inside
  // is 8 KiB, then padding: 1000:1 on the bytes actually read.
  const padding = noise(48 * 1024, 6);
  const kernel = new Uint8Array(8 * 1024 * 1024);
  const deflated = deflateRawSync(kernel).length;
  write(
    "ratio-read.zip",
    writeZip([{ name: "zeros.bin", data: kernel, padding, centralCompressedSize: deflated + padding.length }]),
  );
}
write(
  "ratio-zero.zip",
  writeZip([
    { name: "claims-zero.bin", data: new Uint8Array(8 * 1024 * 1024), declaredSize: 1000, centralCompressedSize: 0 },
    { name: "fine.txt", data: text("fine") },
  ]),
);
write(
  "ratio-zero-declared.zip",
  writeZip([{ name: "claims-zero.bin", data: new Uint8Array(8 * 1024 * 1024), centralCompressedSize: 0 }]),
);
write(
  "many-entries.tar",
  await makeTar(["one", "two", "three", "four", "five"].map((name) => ({ name: `${name}.txt`, body: name }))),
);

// Ordinary archives that a careless ratio or name check refuses.
write(
  "small-ratios.zip",
  writeZip([
    { name: "repeated.txt", data: Buffer.alloc(512 * 1024, 0x61) },
    { name: "sparse.img", data: new Uint8Array(1024 * 1024) },
    { name: "template.csv", data: text(`${",".repeat(40)}\n`.repeat(100)) },
  ]),
);
// 测试.txt in GBK, 測試.txt in Big5, テスト.txt in Shift_JIS: tar names as Windows tools store them.
const dotTxt = [0x2e, 0x74, 0x78, 0x74];
write("gbk-names.tar", makeRawTar([{ name: Buffer.from([0xb2, 0xe2, 0xca, 0xd4, ...dotTxt]), body: "gbk" }]));
write("big5-names.tar", makeRawTar([{ name: Buffer.from([0xb4, 0xfa, 0xb8, 0xd5, ...dotTxt]), body: "big5" }]));
write(
  "shift-jis-names.tar",
  makeRawTar([{ name: Buffer.from([0x83, 0x65, 0x83, 0x58, 0x83, 0x67, ...dotTxt]), body: "sjis" }]),
);
// Two different raw names, both invalid in UTF-8 and GB18030: both decode to "report\ufffd.txt".
write(
  "same-decoded-names.tar",
  makeRawTar([
    { name: Buffer.from([0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0xff, ...dotTxt]), body: "first" },
    { name: Buffer.from([0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0xfe, ...dotTxt]), body: "second" },
  ]),
);
write(
  "same-decoded-names.zip",
  writeZip([
    { name: Buffer.from([0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0xff, ...dotTxt]), data: text("first"), utf8Flag: false },
    { name: Buffer.from([0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0xfe, ...dotTxt]), data: text("second"), utf8Flag: false },
  ]),
);

// Never destroy newer data: an entry named like the archive itself.
write(
  "self-named.zip",
  writeZip([
    { name: "self-named.zip", data: text("not the archive") },
    { name: "other.txt", data: text("other") },
  ]),
);
// Two ZipCrypto entries (each read on its own, after the one before it is written): the archive can be replaced
// between them.
write(
  "two-reads.zip",
  writeZip([
    { name: "first.txt", data: text("first, from the old version"), password: "cosfn-pass" },
    { name: "second.txt", data: text("second, from the old version"), password: "cosfn-pass" },
  ]),
);
console.log(`wrote the corpus to ${dir}`);
