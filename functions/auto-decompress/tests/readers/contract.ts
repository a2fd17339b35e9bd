import type { Readable } from "node:stream";
import type { ProviderCase } from "@cosfn/testing";
import { expect } from "vitest";
import type { ArchiveFormat, ArchiveReader, ReaderEntry } from "../../src/readers/types.ts";
import { text } from "../zip-edits.ts";

/** An entry to pack into a test archive. */
export interface PackedEntry {
  name: string;
  /** A file's bytes (valid UTF-8, so that every packer keeps them); a symlink's target. */
  data?: Buffer;
  kind?: "file" | "directory" | "symlink";
}

/** What the ArchiveReader contract runs against: a format's packer and its reader. */
export interface ReaderSubject {
  format: ArchiveFormat;
  /** Packs entries into an archive of the format; a single gzipped file holds exactly one file. */
  pack(entries: PackedEntry[]): Promise<Buffer> | Buffer;
  /** Opens packed bytes with the format's reader, as the archive `name`. */
  open(archive: Buffer, name: string): Promise<ArchiveReader>;
  /**
   * The format holds one file named after the archive, of a size no header declares (a single gzipped file):
   * cases about names, kinds and several entries check that one file instead.
   */
  single: boolean;
  /** The reader lists every header before any data (zip). */
  listed: boolean;
  /** The reader counts the compressed bytes it reads (gzip, tar.gz). */
  compressed: boolean;
  /**
   * What an archive packed from no entries reads as: no entries, or one file (a single gzipped file of nothing;
   * a gzipped empty tar, whose zero blocks the content cannot tell from a gzipped file of zeros).
   */
  empty: "no entries" | "one file";
}

type Case = ProviderCase<ReaderSubject, unknown>;

const NAME = "in/archive.bin.gz";
/** The entry a single gzipped file named NAME holds. */
const SINGLE_NAME = "archive.bin";
const MiB = 1024 * 1024;

/** An entry's bytes, whether the reader gives them whole or as a stream. */
export async function bytesOf(read: Promise<Buffer> | Readable): Promise<Buffer> {
  if (read instanceof Promise) return read;
  const chunks: Buffer[] = [];
  for await (const chunk of read) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every entry, with the bytes of those `want` picks (read before the next entry is asked for). */
export async function readAll(
  reader: ArchiveReader,
  want: (entry: ReaderEntry) => boolean = (entry) => entry.kind === "file",
): Promise<{ entry: ReaderEntry; bytes: Buffer | undefined }[]> {
  const all: { entry: ReaderEntry; bytes: Buffer | undefined }[] = [];
  for await (const entry of reader.entries())
    all.push({ entry, bytes: want(entry) ? await bytesOf(entry.read()) : undefined });
  return all;
}

const name = (entry: ReaderEntry) => Buffer.from(entry.nameBytes).toString("utf8");
const file = (entryName: string, data: Buffer | string): PackedEntry => ({
  name: entryName,
  data: typeof data === "string" ? Buffer.from(data) : data,
});

/** Files of every kind of content: ASCII, multibyte names and text, empty, and one several KiB long. */
const FILES: PackedEntry[] = [
  file("readme.txt", "hello"),
  file("报告/第一章.txt", "中文内容"),
  file("docs/guide.md", text(20_000, 1)),
  file("empty.bin", ""),
];

/** What every ArchiveReader does, whatever its format. */
export const archiveReaderContract: readonly Case[] = [
  {
    name: "yields every entry once, in order, with its index, name bytes, kind and declared size",
    async run(subject) {
      const packed = subject.single ? [FILES[2] as PackedEntry] : FILES;
      const reader = await subject.open(await subject.pack(packed), NAME);
      expect(reader.format).toBe(subject.format);
      const entries = (await readAll(reader, () => false)).map(({ entry }) => entry);
      expect(entries.map((entry) => entry.index)).toEqual(packed.map((_, index) => index));
      expect(entries.map(name)).toEqual(subject.single ? [SINGLE_NAME] : packed.map((entry) => entry.name));
      expect(entries.every((entry) => entry.kind === "file" && entry.encryption === "none")).toBe(true);
      expect(entries.map((entry) => entry.declaredSize)).toEqual(
        packed.map((entry) => (subject.single ? Number.POSITIVE_INFINITY : (entry.data as Buffer).length)),
      );
    },
  },
  {
    name: "gives each file's exact bytes",
    async run(subject) {
      const packed = subject.single ? [FILES[1] as PackedEntry] : FILES;
      const all = await readAll(await subject.open(await subject.pack(packed), NAME));
      expect(all.map(({ bytes }) => bytes?.toString("utf8"))).toEqual(
        packed.map((entry) => entry.data?.toString("utf8")),
      );
    },
  },
  {
    name: "loses nothing when the entries are asked for a while after opening",
    async run(subject) {
      const packed = subject.single ? [FILES[0] as PackedEntry] : FILES;
      const reader = await subject.open(await subject.pack(packed), NAME);
      // The extraction lists the target prefix between opening the archive and taking its first entry.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const all = await readAll(reader);
      expect(all.map(({ bytes }) => bytes?.toString("utf8"))).toEqual(
        packed.map((entry) => entry.data?.toString("utf8")),
      );
    },
  },
  {
    name: "lists the headers before any data when the format has a directory, else yields them as they come",
    async run(subject) {
      const packed = subject.single ? [FILES[0] as PackedEntry] : FILES;
      const reader = await subject.open(await subject.pack(packed), NAME);
      if (!subject.listed) {
        expect(reader.listed).toBeUndefined();
        return;
      }
      const listed = reader.listed?.map((entry) => [entry.index, Buffer.from(entry.nameBytes).toString(), entry.kind]);
      const yielded = (await readAll(reader, () => false)).map(({ entry }) => [entry.index, name(entry), entry.kind]);
      expect(listed).toEqual(yielded);
    },
  },
  {
    name: "reports directories and links with their kind and no bytes",
    async run(subject) {
      if (subject.single) {
        // A single gzipped file holds one file and nothing else.
        const all = await readAll(await subject.open(await subject.pack([file("x", "x")]), NAME));
        expect(all.map(({ entry }) => entry.kind)).toEqual(["file"]);
        return;
      }
      const packed: PackedEntry[] = [
        { name: "docs/", kind: "directory" },
        file("docs/a.txt", "a"),
        { name: "link", kind: "symlink", data: Buffer.from("docs/a.txt") },
      ];
      const all = await readAll(await subject.open(await subject.pack(packed), NAME), () => true);
      expect(all.map(({ entry }) => [name(entry), entry.kind])).toEqual([
        ["docs/", "directory"],
        ["docs/a.txt", "file"],
        ["link", "symlink"],
      ]);
      expect(all.map(({ bytes }) => bytes?.length)).toEqual([0, 1, 0]);
    },
  },
  {
    name: "reads an archive with nothing in it",
    async run(subject) {
      const all = await readAll(await subject.open(await subject.pack(subject.single ? [file("x", "")] : []), NAME));
      if (subject.empty === "no entries") {
        expect(all).toEqual([]);
        return;
      }
      expect(all.map(({ entry }) => entry.kind)).toEqual(["file"]);
      expect(all[0]?.bytes?.every((byte) => byte === 0)).toBe(true);
    },
  },
  {
    name: "skips an entry whose bytes are not read, without stalling, and gives the next its own bytes",
    timeout: 30_000,
    async run(subject) {
      const big = text(2 * MiB, 7);
      const packed = subject.single
        ? [file("big.txt", big)]
        : [
            file("big.txt", big),
            file("after.txt", "after"),
            file("small.txt", "small"),
            file("last.txt", text(1536 * 1024, 8)),
          ];
      const all = await readAll(
        await subject.open(await subject.pack(packed), NAME),
        (entry) => name(entry) === "after.txt",
      );
      expect(all.map(({ entry }) => name(entry))).toEqual(
        subject.single ? [SINGLE_NAME] : packed.map((entry) => entry.name),
      );
      if (!subject.single) expect(all[1]?.bytes?.toString()).toBe("after");
    },
  },
  {
    name: "streams an entry over 1 MiB, inflated to its exact bytes",
    timeout: 30_000,
    async run(subject) {
      const big = text(1536 * 1024, 9);
      const reader = await subject.open(
        await subject.pack([file("big.txt", big), ...(subject.single ? [] : [file("b", "b")])]),
        NAME,
      );
      for await (const entry of reader.entries()) {
        const read = entry.read();
        if (entry.index !== 0) {
          await bytesOf(read);
          continue;
        }
        expect(read).not.toBeInstanceOf(Promise);
        expect((await bytesOf(read)).equals(big)).toBe(true);
      }
    },
  },
  {
    name: "gives a small entry whole when its header declares its size",
    async run(subject) {
      const reader = await subject.open(await subject.pack([file("small.txt", text(64 * 1024, 3))]), NAME);
      for await (const entry of reader.entries()) {
        const read = entry.read();
        // A single gzipped file declares no size: it always streams.
        if (subject.single) expect(read).not.toBeInstanceOf(Promise);
        else expect(read).toBeInstanceOf(Promise);
        expect((await bytesOf(read)).equals(text(64 * 1024, 3))).toBe(true);
      }
    },
  },
  {
    name: "fails a truncated archive permanently, naming the problem",
    async run(subject) {
      const packed = subject.single
        ? [file("t.txt", "short text")]
        : [file("a.txt", text(300, 1)), file("b.txt", text(40_000, 2))];
      const whole = await subject.pack(packed);
      // Cut where the data of the last entry lies (for zip: the directory is gone too).
      const cut = whole.subarray(0, whole.length - (subject.single ? 6 : Math.min(20_000, whole.length / 2)));
      const error = await (async () => {
        await readAll(await subject.open(cut, NAME));
      })().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "CORRUPT_ARCHIVE", retryable: false });
      expect((error as Error).message).toMatch(/corrupt|truncated|not a readable/);
    },
  },
  {
    name: "counts the compressed bytes read when the format is a compressed stream",
    async run(subject) {
      const archive = await subject.pack(subject.single ? [file("c.txt", text(50_000, 4))] : FILES);
      const reader = await subject.open(archive, NAME);
      if (!subject.compressed) {
        expect(reader.compressedRead).toBeUndefined();
        return;
      }
      await readAll(reader);
      expect(reader.compressedRead?.()).toBe(archive.length);
    },
  },
  {
    name: "closes midway without failing, and closes again after the end",
    async run(subject) {
      const packed = subject.single
        ? [file("big.txt", text(2 * MiB, 5))]
        : [file("a.txt", "a"), file("big.txt", text(2 * MiB, 5))];
      const reader = await subject.open(await subject.pack(packed), NAME);
      for await (const _ of reader.entries()) break;
      reader.close();
      reader.close();
    },
  },
];
