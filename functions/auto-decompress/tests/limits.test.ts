import { describe, expect, it } from "vitest";
import { ArchiveLimits, type LimitSettings } from "../src/limits.ts";
import type { ArchiveEntry } from "../src/readers/types.ts";

const settings: LimitSettings = { maxEntries: 3, maxEntryBytes: 1000, maxEntryRatio: 10, maxTotalBytes: 2500 };

const entry = (index: number, declaredSize: number, more: Partial<ArchiveEntry> = {}): ArchiveEntry => ({
  index,
  nameBytes: Buffer.from(`f${index}`),
  utf8Flag: true,
  kind: "file",
  declaredSize,
  compressedSize: 0,
  encryption: "none",
  modified: undefined,
  crc32: undefined,
  ...more,
});
const named = (declaredSize: number) => ({ name: "a.txt", declaredSize });
const MIB = 1024 * 1024;
/** Limits roomy enough for entries past the ratio's 1 MiB grace. */
const roomy: LimitSettings = { ...settings, maxEntryBytes: 10 * MIB, maxTotalBytes: 10 * MIB };

describe("ArchiveLimits on what a listed archive's headers declare", () => {
  const refusal = (entries: ArchiveEntry[]) => {
    try {
      new ArchiveLimits(settings).checkListed(entries);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("refuses with the limit and the exact figure: file count, one entry's size and ratio, the total", () => {
    expect(refusal([1, 2, 3, 4].map((i) => entry(i, 1)))).toMatchObject({
      code: "ARCHIVE_REFUSED",
      limit: "MAX_ENTRIES",
      message: "the archive has 4 file entries; MAX_ENTRIES is 3",
    });
    expect(refusal([entry(0, 1), entry(1, 1001)])).toMatchObject({
      limit: "MAX_ENTRY_BYTES",
      message: "entry 1 declares 1001 bytes; MAX_ENTRY_BYTES is 1000",
    });
    expect(refusal([entry(0, 1000), entry(1, 1000), entry(2, 501)])).toMatchObject({
      limit: "MAX_TOTAL_BYTES",
      message: "the entries declare 2501 bytes in all; MAX_TOTAL_BYTES is 2500",
    });
  });

  it("checks a declared ratio only past 1 MiB, where a compressed size of 0 is an infinite ratio", () => {
    const roomyRefusal = (entries: ArchiveEntry[]) => {
      try {
        new ArchiveLimits(roomy).checkListed(entries);
      } catch (error) {
        return error;
      }
      return undefined;
    };
    // A few KB of one repeated byte, a sparse file, an empty template: far past 10:1, and no bomb.
    expect(roomyRefusal([entry(0, MIB, { compressedSize: 1 }), entry(1, 4096, { compressedSize: 0 })])).toBeUndefined();
    expect(roomyRefusal([entry(0, 2 * MIB, { compressedSize: 1000 })])).toMatchObject({
      limit: "MAX_ENTRY_RATIO",
      message: "entry 0 declares a ratio of 2097:1; MAX_ENTRY_RATIO is 10",
    });
    expect(roomyRefusal([entry(0, MIB + 1, { compressedSize: 0 })])).toMatchObject({
      limit: "MAX_ENTRY_RATIO",
      message: "entry 0 declares an infinite ratio; MAX_ENTRY_RATIO is 10",
    });
    // Tar and gzip entries have no compressed size of their own: no per-entry ratio.
    expect(roomyRefusal([entry(0, 5 * MIB, { compressedSize: undefined })])).toBeUndefined();
  });

  it("refuses entries whose bytes overlap, before any other limit, naming both", () => {
    const at = (index: number, start: number, end: number) => entry(index, 1, { extent: { start, end } });
    expect(refusal([at(0, 0, 100), at(1, 100, 150)])).toBeUndefined();
    // Listed in any order; a record pointing into another entry's data, or at the same local header.
    expect(refusal([at(0, 100, 150), at(1, 0, 101)])).toMatchObject({
      code: "ARCHIVE_REFUSED",
      limit: "OVERLAPPING_ENTRIES",
      message:
        "entries 1 and 0 overlap: entry 1 takes offsets 0-100, entry 0 starts at 100; no byte of the archive is inflated twice",
    });
    expect(refusal([at(0, 0, 40), at(1, 0, 40), ...[2, 3, 4, 5].map((i) => entry(i, 1))])).toMatchObject({
      limit: "OVERLAPPING_ENTRIES",
    });
  });

  it("counts files only, and passes an archive within every limit", () => {
    const directories = [1, 2, 3, 4].map((i) => entry(i, 0, { kind: "directory" }));
    expect(refusal([...directories, entry(0, 1000), entry(5, 1000, { compressedSize: 100 })])).toBeUndefined();
  });
});

describe("ArchiveLimits on a stream's headers, as they come", () => {
  it("refuses the first header past a limit, saying the figure so far", () => {
    const limits = new ArchiveLimits(settings);
    expect([0, 1, 2].map((i) => limits.declared(entry(i, 10)))).toEqual([undefined, undefined, undefined]);
    expect(limits.declared(entry(3, 0, { kind: "symlink" }))).toBeUndefined();
    expect(limits.declared(entry(4, 10))).toMatchObject({
      limit: "MAX_ENTRIES",
      message: "the archive has more than MAX_ENTRIES (3) file entries",
    });
    const sizes = new ArchiveLimits(settings);
    expect(sizes.declared(entry(0, 1001))).toMatchObject({ limit: "MAX_ENTRY_BYTES" });
    const total = new ArchiveLimits(settings);
    expect([1000, 1000, 501].map((size, i) => total.declared(entry(i, size))?.message)).toEqual([
      undefined,
      undefined,
      "the entries declare more than MAX_TOTAL_BYTES (2500)",
    ]);
  });

  it("takes an entry of unknown size (a single gzipped file) as declaring nothing", () => {
    expect(new ArchiveLimits(settings).declared(entry(0, Number.POSITIVE_INFINITY))).toBeUndefined();
  });
});

describe("ArchiveLimits on the bytes inflated", () => {
  it("cuts off an entry past its declared size, then past MAX_ENTRY_BYTES and its ratio", () => {
    const limits = new ArchiveLimits(settings);
    expect(limits.inflatedTo(named(100), 101, 101)).toMatchObject({
      code: "ENTRY_OVERFLOW",
      message: "a.txt: inflates past the 100 bytes its header declares; cut off",
    });
    expect(limits.inflatedTo(named(Number.POSITIVE_INFINITY), 1001, 1)).toMatchObject({
      limit: "MAX_ENTRY_BYTES",
      message: "a.txt: inflated past MAX_ENTRY_BYTES (1000)",
    });
  });

  it("checks an entry's ratio on the compressed bytes actually read, past 1 MiB inflated", () => {
    const limits = new ArchiveLimits(roomy);
    // 1 MiB from 10 bytes read: within the grace.
    expect(limits.inflatedTo(named(4 * MIB), MIB, MIB, 10)).toBeUndefined();
    expect(limits.inflatedTo(named(4 * MIB), MIB + 1, 1, 1000)).toMatchObject({
      limit: "MAX_ENTRY_RATIO",
      message: `a.txt: inflated to ${MIB + 1} bytes from 1000 read, past MAX_ENTRY_RATIO (10:1)`,
    });
    // Nothing read for it (a header that claims 0 compressed bytes) is no way around the ratio.
    expect(new ArchiveLimits(roomy).inflatedTo(named(4 * MIB), MIB + 1, MIB + 1, 0)).toMatchObject({
      limit: "MAX_ENTRY_RATIO",
    });
    // Without per-entry compression (tar), no per-entry ratio.
    expect(new ArchiveLimits(roomy).inflatedTo(named(4 * MIB), 4 * MIB, 4 * MIB)).toBeUndefined();
  });

  it("counts every entry's bytes against MAX_TOTAL_BYTES", () => {
    const limits = new ArchiveLimits(settings);
    expect(limits.inflatedTo(named(1000), 1000, 1000)).toBeUndefined();
    expect(limits.inflatedTo(named(1000), 1000, 1000)).toBeUndefined();
    expect(limits.inflated).toBe(2000);
    expect(limits.inflatedTo(named(1000), 501, 501)).toMatchObject({
      limit: "MAX_TOTAL_BYTES",
      message: "the archive inflated past MAX_TOTAL_BYTES (2500)",
    });
  });

  it("refuses a compressed stream past the ratio once it has inflated over 1 MiB", () => {
    const roomy = { ...settings, maxEntryBytes: 10 * 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 };
    const limits = new ArchiveLimits(roomy, () => 1000);
    const unknown = named(Number.POSITIVE_INFINITY);
    // 1 MiB from 1,000 compressed bytes is past 10:1, but not yet past 1 MiB.
    expect(limits.inflatedTo(unknown, 1024 * 1024, 1024 * 1024)).toBeUndefined();
    expect(limits.inflatedTo(unknown, 1024 * 1024 + 1, 1)).toMatchObject({
      limit: "MAX_ENTRY_RATIO",
      message: "the stream inflated past MAX_ENTRY_RATIO (10:1)",
    });
  });
});
