// Writes test-fixtures/archives/: one small archive per case the auto-decompress tests cover. The files are
// committed; run `npx tsx functions/auto-decompress/scripts/make-corpus.ts` to make them again.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { makeTar } from "./tar-writer.ts";
import { writeZip } from "./zip-writer.ts";

const dir = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
mkdirSync(dir, { recursive: true });
const text = (s: string) => Buffer.from(s, "utf8");
const write = (name: string, data: Uint8Array) => writeFileSync(`${dir}${name}`, data);

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
console.log(`wrote the corpus to ${dir}`);
