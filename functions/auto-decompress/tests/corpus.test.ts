import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "@cosfn/checksums";
import { createCosClient } from "@cosfn/cos";
import { cosEvent } from "@cosfn/events";
import { EnvReader, Logger } from "@cosfn/runtime";
import { scfContext, seedObject, storedKeys, storedText, type TestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { writeZip } from "../scripts/zip-writer.ts";
import { loadConfig } from "../src/config.ts";
import { extractArchive, type Manifest, manifestKey } from "../src/extract.ts";
import { main_handler } from "../src/index.ts";
import { BUCKET, useTestCloud } from "./cloud.ts";

const scratch = mkdtempSync(join(tmpdir(), "cosfn-corpus-extra-"));

const corpus = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

const allKeys = () => storedKeys(test.cloud, BUCKET);
const stored = (key: string) => storedText(test.cloud, BUCKET, key);

/** Uploads a corpus archive, extracts it, and returns the outcome and every key it added to the bucket. */
async function run(
  file: string,
  env: Record<string, string> = {},
  from = corpus,
): Promise<{
  manifest?: Manifest;
  /** The manifest as stored, also when the extraction threw. */
  saved?: Manifest;
  error?: { code?: string; limit?: string; message: string };
  added: Record<string, string>;
}> {
  const key = `in/${file}`;
  await seedObject(test.cloud, BUCKET, key, readFileSync(join(from, file)));
  const before = new Set(allKeys());
  const info = test.cloud.store.head(BUCKET, key);
  let manifest: Manifest | undefined;
  let error: { code?: string; message: string } | undefined;
  const prefix = `out/${file}/run-${++runs}/`;
  try {
    manifest = await extractArchive({
      cos: createCosClient({ region: "ap-guangzhou" }),
      source: { bucket: BUCKET, key, size: info?.size ?? null, etag: info?.etag ?? null },
      target: { bucket: BUCKET, prefix },
      config: loadConfig(new EnvReader(env)),
      functionName: "auto-decompress",
      signal: new AbortController().signal,
      log: new Logger({}, "error"),
    });
  } catch (e) {
    error = e as { code?: string; message: string };
  }
  const added: Record<string, string> = {};
  for (const k of allKeys())
    if (!before.has(k) && !/\.cosfn-manifest-[0-9a-f]{16}\.json$/.test(k))
      added[k.replace(/^out\/[^/]+\/[^/]*\//, "")] = await stored(k);
  const saved = test.cloud.store.head(BUCKET, manifestKey(prefix, { bucket: BUCKET, key }))
    ? (JSON.parse(await stored(manifestKey(prefix, { bucket: BUCKET, key }))) as Manifest)
    : undefined;
  return { ...(manifest && { manifest }), ...(saved && { saved }), ...(error && { error }), added };
}

let runs = 0;
const reason = (manifest: Manifest | undefined, name: string) => manifest?.entries.find((e) => e.name === name);

describe("the archive corpus: exactly the right objects, nothing else", () => {
  it.each([
    ["zip64.zip", { "big-header.txt": "zip64 sizes" }],
    ["data-descriptor.zip", { "streamed-1.txt": "written by a streaming zipper", "streamed-2.txt": "second" }],
    ["long-comment.zip", { "c.txt": "with a comment" }],
    ["gbk-names.zip", { "测试/文件.txt": "gbk", "报告.doc": "report" }],
    ["duplicates.zip", { "same.txt": "second" }],
    ["empty.zip", {}],
    ["directories-only.zip", {}],
    ["zero-byte.zip", { "empty-1.txt": "", "sub/empty-2.bin": "" }],
    ["macos.zip", { "photo.jpg": "jpeg bytes" }],
    ["symlink.zip", { "real.txt": "real" }],
    ["traversal.zip", { "win/style/path.txt": "normalised", "a/b/c.txt": "normalised", "safe.txt": "safe" }],
    ["long-names.tar", { [`${"long-directory-name/".repeat(8)}final-file-name.txt`]: "long", "dir/file.txt": "file" }],
    ["traversal.tar", { "fine.txt": "fine" }],
    ["sample.tgz", { "x/y.txt": "y", "z.txt": "z" }],
    ["single.txt.gz", { "single.txt": "a single gzipped file\n" }],
  ])("%s", async (file, expected) => {
    const { manifest, error, added } = await run(file);
    expect(error).toBeUndefined();
    expect(added).toEqual(expected);
    expect(manifest?.complete).toBe(true);
  });

  it("finds the directory behind an archive comment of several KiB (a second, longer tail read)", async () => {
    writeFileSync(
      join(scratch, "comment-4k.zip"),
      writeZip([{ name: "x.txt", data: Buffer.from("x") }], { comment: "c".repeat(4000) }),
    );
    expect((await run("comment-4k.zip", {}, scratch)).added).toEqual({ "x.txt": "x" });
  });

  it("reads Big5 names with FILENAME_ENCODING=big5", async () => {
    expect((await run("big5-names.zip", { FILENAME_ENCODING: "big5" })).added).toEqual({ "測試.txt": "big5" });
  });

  it("reports why each unsafe or special entry was skipped", async () => {
    const { manifest } = await run("traversal.zip", { ON_CONFLICT: "overwrite" });
    expect(reason(manifest, "../evil.txt")?.reason).toBe("unsafe name: parent-directory (..) segment");
    expect(reason(manifest, "/abs/evil.txt")?.reason).toBe("unsafe name: absolute path");
    expect(reason(manifest, "C:\\Windows\\evil.dll")?.reason).toBe("unsafe name: absolute Windows path (drive letter)");
    expect(reason(manifest, "bad\u0001name.txt")?.reason).toBe("unsafe name: control character in the name");
    expect(reason(manifest, "win\\style\\path.txt")).toMatchObject({
      outcome: "written",
      reason: "name normalised: backslashes read as /",
    });
    const dup = await run("duplicates.zip", { ON_CONFLICT: "overwrite" });
    expect(dup.manifest?.entries[0]).toMatchObject({
      outcome: "skipped",
      reason: "duplicate name: a later entry with the same name wins",
    });
  });

  it("extracts nested archives as files, never recursively", async () => {
    const { added } = await run("nested.zip");
    expect(Object.keys(added).sort()).toEqual(["inner.tar.gz", "inner.zip"]);
    expect(added["inner.zip"]?.length).toBeGreaterThan(0);
  });

  it("decrypts ZipCrypto with ARCHIVE_PASSWORD, and fails the entry without it or with a wrong one", async () => {
    expect((await run("zipcrypto.zip", { ARCHIVE_PASSWORD: "cosfn-pass" })).added).toEqual({
      "secret.txt": "the secret",
    });
    const none = await run("zipcrypto.zip");
    expect(none.added).toEqual({});
    expect(reason(none.manifest, "secret.txt")).toMatchObject({
      outcome: "failed",
      reason: "secret.txt: the entry is encrypted and ARCHIVE_PASSWORD is not set",
    });
    const wrong = await run("zipcrypto.zip", { ARCHIVE_PASSWORD: "wrong" });
    expect(wrong.added).toEqual({});
    expect(reason(wrong.manifest, "secret.txt")?.outcome).toBe("failed");
  });

  it("fails AES entries, naming them, and extracts the rest", async () => {
    const { manifest, added } = await run("aes.zip");
    expect(added).toEqual({ "plain.txt": "plain" });
    expect(reason(manifest, "aes.txt")).toMatchObject({
      outcome: "failed",
      reason: "aes.txt: AES-encrypted entries are not supported",
    });
  });

  it("cuts off an entry that inflates past its declared size, writing nothing of it", async () => {
    const { manifest, added } = await run("lying-size.zip");
    expect(added).toEqual({ "honest.txt": "honest" });
    expect(reason(manifest, "liar.bin")?.reason).toContain("inflates past the 1024 bytes its header declares");
  });

  it.each([
    ["bomb-ratio.zip", {}, "MAX_ENTRY_RATIO"],
    ["bomb-count.zip", { MAX_ENTRIES: "100" }, "MAX_ENTRIES"],
    ["bomb-size.zip", { MAX_ENTRY_BYTES: "1MB" }, "MAX_ENTRY_BYTES"],
    ["bomb-count.zip", { MAX_TOTAL_BYTES: "500" }, "MAX_TOTAL_BYTES"],
  ])("refuses %s (%j) with the limit it hit, writing nothing", async (file, env, limit) => {
    const { error, added } = await run(file, env);
    expect(error).toMatchObject({ code: "ARCHIVE_REFUSED", limit });
    expect(added).toEqual({});
  });

  it.each([
    ["truncated.zip", "CORRUPT_ARCHIVE"],
    ["not-an-archive.zip", "UNSUPPORTED_FORMAT"],
  ])("gives %s a permanent failure (%s)", async (file, code) => {
    const { error, added } = await run(file);
    expect(error).toMatchObject({ code });
    expect((error as { retryable?: boolean }).retryable).toBe(false);
    expect(added).toEqual({});
  });
});

describe("bombs whose headers look harmless: refused before anything is written", () => {
  it.each([
    ["overlap-shared.zip", /^entries 1 and 2 overlap: entry 1 takes offsets 49-\d+, entry 2 starts at 49;/],
    ["overlap-quoted.zip", /^entries 0 and 1 overlap: entry 0 takes offsets 0-\d+, entry 1 starts at 43;/],
  ])(
    "%s: overlapping entries (records sharing one region, or quoting the next local header)",
    async (file, message) => {
      const { error, saved, added } = await run(file);
      expect(error).toMatchObject({ code: "ARCHIVE_REFUSED", limit: "OVERLAPPING_ENTRIES", retryable: false });
      expect(error?.message).toMatch(message);
      expect(added).toEqual({});
      // The manifest says why, with no entry.
      expect(saved).toMatchObject({
        complete: false,
        entries: [],
        error: { code: "ARCHIVE_REFUSED", limit: "OVERLAPPING_ENTRIES" },
      });
    },
  );

  it("fails entries of any method but stored and deflate, naming it: small (spans), large (streamed), encrypted", async () => {
    const { manifest, added } = await run("methods.zip", { ARCHIVE_PASSWORD: "cosfn-pass" });
    expect(added).toEqual({ "plain.txt": "plain" });
    expect(manifest?.entries.map((e) => [e.name, e.outcome, e.reason])).toEqual([
      ["plain.txt", "written", undefined],
      ["small.bz2", "failed", "small.bz2: compression method 12 (bzip2) is not supported (stored and deflate are)"],
      ["large.bin", "failed", "large.bin: compression method 14 (LZMA) is not supported (stored and deflate are)"],
      ["secret.ppmd", "failed", "secret.ppmd: compression method 98 (PPMd) is not supported (stored and deflate are)"],
    ]);
  });

  it("checks the ratio on the bytes actually read: a directory claiming 56 KiB for an 8 KiB deflate stream", async () => {
    const { error, added, saved } = await run("ratio-read.zip");
    expect(error).toMatchObject({ code: "ARCHIVE_REFUSED", limit: "MAX_ENTRY_RATIO" });
    // Cut off just past the 1 MiB grace, from about 1 KiB read.
    const [, inflated, read] = error?.message.match(/^zeros\.bin: inflated to (\d+) bytes from (\d+) read/) ?? [];
    expect(Number(inflated)).toBeGreaterThan(1024 * 1024);
    expect(Number(inflated)).toBeLessThanOrEqual(1024 * 1024 + 256 * 1024);
    expect(Number(read)).toBeLessThan(2048);
    expect(added).toEqual({});
    expect(saved?.entries).toEqual([
      expect.objectContaining({ name: "zeros.bin", outcome: "refused", reason: error?.message }),
    ]);
  });

  it("reads no more than a compressed size of 0 claims, and refuses one that declares megabytes from it", async () => {
    const small = await run("ratio-zero.zip");
    expect(small.added).toEqual({ "fine.txt": "fine" });
    // Deflated data of 0 bytes read is a truncated stream: the entry fails, nothing of it is written.
    expect(reason(small.manifest, "claims-zero.bin")).toMatchObject({ outcome: "failed", key: expect.any(String) });
    expect(reason(small.manifest, "claims-zero.bin")?.reason).toBe("claims-zero.bin: unexpected end of file");
    const large = await run("ratio-zero-declared.zip");
    expect(large.error).toMatchObject({
      code: "ARCHIVE_REFUSED",
      limit: "MAX_ENTRY_RATIO",
      message: "entry 0 declares an infinite ratio; MAX_ENTRY_RATIO is 200",
    });
    expect(large.added).toEqual({});
  });

  it("a tar past MAX_ENTRIES: the entries before the one that reveals it stay written, that one and the rest are not", async () => {
    const { error, added, saved } = await run("many-entries.tar", { MAX_ENTRIES: "3" });
    expect(error).toMatchObject({ code: "ARCHIVE_REFUSED", limit: "MAX_ENTRIES" });
    expect(added).toEqual({ "one.txt": "one", "two.txt": "two", "three.txt": "three" });
    expect(saved?.entries.map((e) => [e.name, e.outcome, e.reason])).toEqual([
      ["one.txt", "written", undefined],
      ["two.txt", "written", undefined],
      ["three.txt", "written", undefined],
      ["four.txt", "refused", "the archive has more than MAX_ENTRIES (3) file entries"],
    ]);
    expect(saved).toMatchObject({
      complete: false,
      counts: { written: 3, refused: 1 },
      error: { limit: "MAX_ENTRIES" },
    });
  });
});

describe("no legitimate archive refused", () => {
  it("never refuses small entries for their ratio: 512 KiB of one byte, a 1 MiB sparse file, an empty CSV template", async () => {
    const { error, added } = await run("small-ratios.zip");
    expect(error).toBeUndefined();
    expect(added).toEqual({
      "repeated.txt": "a".repeat(512 * 1024),
      "sparse.img": "\0".repeat(1024 * 1024),
      "template.csv": `${",".repeat(40)}\n`.repeat(100),
    });
  });

  it.each([
    ["gbk-names.tar", "auto", { "测试.txt": "gbk" }],
    ["big5-names.tar", "big5", { "測試.txt": "big5" }],
    ["shift-jis-names.tar", "shift_jis", { "テスト.txt": "sjis" }],
  ])("decodes the names of %s with FILENAME_ENCODING=%s, as zip names are", async (file, encoding, expected) => {
    expect((await run(file, { FILENAME_ENCODING: encoding })).added).toEqual(expected);
  });

  it.each(["same-decoded-names.tar", "same-decoded-names.zip"])(
    "%s: two raw names that decode to the same text are both kept, the second renamed and reported",
    async (file) => {
      const { manifest, added } = await run(file);
      const second = Buffer.from([0x72, 0x65, 0x70, 0x6f, 0x72, 0x74, 0xfe, 0x2e, 0x74, 0x78, 0x74]);
      const renamed = `report\ufffd~${crc32(second).toString(16).padStart(8, "0")}.txt`;
      expect(added).toEqual({ "report\ufffd.txt": "first", [renamed]: "second" });
      expect(manifest?.entries[1]).toMatchObject({
        outcome: "written",
        renamed: true,
        reason: `its name decodes like entry 0's (the raw bytes differ): written as ${renamed}`,
      });
      expect(manifest?.counts).toMatchObject({ written: 2, renamed: 1, skipped: 0 });
    },
  );
});

describe("the loop guard", () => {
  it("never extracts what it extracted, even with the target in the source bucket and a trigger on the whole bucket", async () => {
    const invocations: string[] = [];
    test.cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      functionName: "auto-decompress",
      handler: async (event, context) => {
        const summary = await main_handler(event, { ...context, time_limit_in_ms: 60_000 });
        invocations.push(`${summary.records[0]?.key}: ${summary.records[0]?.outcome}`);
        return summary;
      },
    });
    const cos = createCosClient({ region: "ap-guangzhou" });
    await cos.writeObject({ bucket: BUCKET, key: "drop/nested.zip", body: readFileSync(`${corpus}nested.zip`) });
    await test.cloud.triggers.idle();
    expect(test.cloud.store.head(BUCKET, "extracted/drop/nested.zip/inner.zip")).toBeDefined();
    expect(test.cloud.store.list(BUCKET, { prefix: "extracted/drop/nested.zip/inner.zip/" }).objects).toEqual([]);
    expect(invocations.filter((i) => i.startsWith("drop/nested.zip"))).toEqual(["drop/nested.zip: done"]);
    expect(invocations.filter((i) => i.startsWith("extracted/")).every((i) => i.endsWith(": skipped"))).toBe(true);
    test.cloud.triggers.clear();
    const direct = cosEvent({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "extracted/drop/nested.zip/inner.zip",
    });
    expect(await main_handler(direct, scfContext())).toMatchObject({ skipped: 1 });
  });
});
