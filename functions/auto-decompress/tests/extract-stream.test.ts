import { gzipSync } from "node:zlib";
import { createCosClient } from "@cosfn/cos";
import { EnvReader, Logger } from "@cosfn/runtime";
import { seedObject, storedKeys, storedText, type TestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { makeTar, type TarItem } from "../scripts/tar-writer.ts";
import { loadConfig } from "../src/config.ts";
import { extractArchive, manifestKey } from "../src/extract.ts";
import { BUCKET, useTestCloud } from "./cloud.ts";

let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

const upload = (key: string, data: Uint8Array) => seedObject(test.cloud, BUCKET, key, data);
const stored = (key: string) => storedText(test.cloud, BUCKET, key);
const keysUnder = (prefix: string) => storedKeys(test.cloud, BUCKET, prefix).sort();

async function extract(key: string, env: Record<string, string> = {}) {
  const info = test.cloud.store.head(BUCKET, key);
  return extractArchive({
    cos: createCosClient({ region: "ap-guangzhou" }),
    source: { bucket: BUCKET, key, size: info?.size ?? null, etag: info?.etag ?? null },
    target: { bucket: BUCKET, prefix: `out/${key}/` },
    config: loadConfig(new EnvReader(env)),
    functionName: "auto-decompress",
    signal: new AbortController().signal,
    log: new Logger({}, "error"),
  });
}

const longName = `${"deep/".repeat(30)}file-with-a-long-name.txt`;
const items: TarItem[] = [
  { name: "readme.txt", body: "hello tar" },
  { name: "docs/", type: "directory" },
  { name: "docs/a.md", body: "# a" },
  { name: longName, body: "long" },
  { name: "link-to-readme", type: "symlink", linkname: "readme.txt" },
  { name: "hard-link", type: "link", linkname: "readme.txt" },
  { name: "../escape.txt", body: "evil" },
  { name: "dup.txt", body: "first" },
  { name: "dup.txt", body: "second" },
  { name: "empty.txt", body: "" },
];

describe("extractArchive (tar, tar.gz, gzip)", () => {
  it.each(["tar", "tar.gz"] as const)(
    "extracts a %s in one pass: long names, links and traversal skipped, last duplicate wins",
    async (format) => {
      const archive = await makeTar(items);
      const key = `in/sample.${format}`;
      await upload(key, format === "tar" ? archive : gzipSync(archive));
      const manifest = await extract(key);
      const prefix = `out/${key}/`;
      expect(manifest.format).toBe(format);
      expect(keysUnder(prefix)).toEqual(
        [
          manifestKey(prefix, { bucket: BUCKET, key }),
          `${prefix}readme.txt`,
          `${prefix}docs/a.md`,
          `${prefix}${longName}`,
          `${prefix}dup.txt`,
          `${prefix}empty.txt`,
        ].sort(),
      );
      expect(await stored(`${prefix}dup.txt`)).toBe("second");
      expect(await stored(`${prefix}${longName}`)).toBe("long");
      const reasons = Object.fromEntries(manifest.entries.map((e) => [e.name, e.reason]));
      expect(reasons["link-to-readme"]).toBe("symlink entries are never extracted");
      expect(reasons["hard-link"]).toBe("hardlink entries are never extracted");
      expect(reasons["../escape.txt"]).toBe("unsafe name: parent-directory (..) segment");
      expect(manifest.counts).toMatchObject({ written: 5, failed: 0 });
      expect(manifest.complete).toBe(true);
    },
  );

  it("resumes a tar: a second run rewrites nothing", async () => {
    const first = test.cloud.store.head(BUCKET, "out/in/sample.tar/readme.txt");
    const again = await extract("in/sample.tar");
    expect(again.counts).toMatchObject({ written: 0, "already-written": 5 });
    expect(test.cloud.store.head(BUCKET, "out/in/sample.tar/readme.txt")?.lastModified).toBe(first?.lastModified);
  });

  it("resumes a tar whose large entry (streamed, not read whole) was already written, and reaches the entries after it", {
    timeout: 30_000,
  }, async () => {
    const big = "0123456789abcdef".repeat(128 * 1024); // 2 MiB
    await upload(
      "in/big.tar",
      await makeTar([
        { name: "big.txt", body: big },
        { name: "after.txt", body: "after" },
      ]),
    );
    const first = await extract("in/big.tar");
    expect(first.counts).toMatchObject({ written: 2, failed: 0 });
    const again = await extract("in/big.tar");
    expect(again.counts).toMatchObject({ written: 0, "already-written": 2 });
    const skipped = await extract("in/big.tar", { ON_CONFLICT: "skip" });
    expect(skipped.counts).toMatchObject({ written: 0, "already-written": 2 });
    expect(await stored("out/in/big.tar/after.txt")).toBe("after");
    expect((await stored("out/in/big.tar/big.txt")).length).toBe(big.length);
  });

  it("extracts a single gzipped file as one object named without .gz", async () => {
    await upload("logs/app.log.gz", gzipSync(Buffer.from("line 1\nline 2\n")));
    const manifest = await extract("logs/app.log.gz");
    expect(manifest).toMatchObject({ format: "gzip", counts: { written: 1 } });
    expect(await stored("out/logs/app.log.gz/app.log")).toBe("line 1\nline 2\n");
  });

  it("refuses a gzip bomb on the bytes actually inflated", async () => {
    await upload("in/bomb.gz", gzipSync(Buffer.alloc(30 * 1024 * 1024), { level: 9 }));
    await expect(extract("in/bomb.gz")).rejects.toMatchObject({ code: "ARCHIVE_REFUSED", limit: "MAX_ENTRY_RATIO" });
  });

  it("refuses a tar past MAX_ENTRIES and one whose entries declare more than MAX_TOTAL_BYTES", async () => {
    await upload(
      "in/many.tar",
      await makeTar(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, body: "x".repeat(100) }))),
    );
    await expect(extract("in/many.tar", { MAX_ENTRIES: "5" })).rejects.toMatchObject({ limit: "MAX_ENTRIES" });
    await expect(extract("in/many.tar", { MAX_TOTAL_BYTES: "250" })).rejects.toMatchObject({
      limit: "MAX_TOTAL_BYTES",
    });
  });

  it("gives a permanent failure for a truncated tar.gz", async () => {
    const whole = gzipSync(await makeTar(items));
    await upload("in/truncated.tgz", whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await extract("in/truncated.tgz").catch((e) => e);
    expect(error).toMatchObject({ retryable: false });
    expect(["CORRUPT_ARCHIVE", "CORRUPT_ENTRY"]).toContain(error.code);
  });
});
