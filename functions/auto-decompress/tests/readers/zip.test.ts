import { readFileSync } from "node:fs";
import { testProvider } from "@cosfn/testing";
import { expect } from "vitest";
import { writeZip } from "../../scripts/zip-writer.ts";
import { openZipReader } from "../../src/readers/zip.ts";
import { moveLocalHeader, reverseCentralDirectory, text } from "../zip-edits.ts";
import { bufferSource } from "./buffer-source.ts";
import { archiveReaderContract, bytesOf, type ReaderSubject, readAll } from "./contract.ts";
import { packZip } from "./pack.ts";

testProvider<ReaderSubject>({
  name: "zip",
  kind: "ArchiveReader",
  create: () => ({
    format: "zip",
    pack: packZip,
    open: (archive, name) => openZipReader(bufferSource(archive), { name }),
    single: false,
    listed: true,
    compressed: false,
    empty: "no entries",
  }),
  cases: archiveReaderContract,
  extra: [
    {
      name: "reads neighbouring small entries in one range read, fetched only when read",
      async run() {
        const files = Array.from({ length: 40 }, (_, i) => ({ name: `f${i}.txt`, data: text(3000 + i * 50, i) }));
        const source = bufferSource(packZip(files));
        const reader = await openZipReader(source, { name: "many.zip" });
        const opened = source.reads;
        const all = await readAll(reader);
        expect(all.map(({ bytes }) => bytes?.toString())).toEqual(files.map((f) => f.data.toString()));
        // All forty lie within 2 MiB: one span, one read.
        expect(source.reads - opened).toBe(1);
      },
    },
    {
      name: "yields entries in the order their bytes lie, whatever the central directory's order, with their indexes",
      async run() {
        const names = ["a.txt", "b.txt", "c.txt"];
        const zip = packZip(names.map((name, i) => ({ name, data: text(2000, i) })));
        reverseCentralDirectory(zip);
        const reader = await openZipReader(bufferSource(zip), { name: "reordered.zip" });
        expect(reader.listed?.map((entry) => Buffer.from(entry.nameBytes).toString())).toEqual([...names].reverse());
        const all = await readAll(reader);
        expect(all.map(({ entry }) => [Buffer.from(entry.nameBytes).toString(), entry.index])).toEqual([
          ["a.txt", 2],
          ["b.txt", 1],
          ["c.txt", 0],
        ]);
        expect(all.map(({ bytes }) => bytes?.toString())).toEqual(names.map((_, i) => text(2000, i).toString()));
      },
    },
    {
      name: "fails an entry whose local header is not where the directory points, read whole or streamed",
      async run() {
        const zip = packZip([
          { name: "small.txt", data: Buffer.from("small") },
          { name: "large.bin", data: text(1536 * 1024, 3) },
        ]);
        moveLocalHeader(zip, "small.txt", 1);
        moveLocalHeader(zip, "large.bin", 1);
        const reader = await openZipReader(bufferSource(zip), { name: "misplaced.zip" });
        for await (const entry of reader.entries()) {
          const error = await bytesOf(entry.read()).catch((e: unknown) => e);
          expect(error).toMatchObject({ name: "EntryBytesError" });
          expect((error as Error).message).toMatch(
            /^no local file header at offset \d+, where the central directory points/,
          );
        }
      },
    },
    {
      name: "refuses to read any method but stored and deflate, naming it, whole, streamed or encrypted",
      async run() {
        const corpus = new URL("../../../../test-fixtures/archives/methods.zip", import.meta.url);
        const zip = readFileSync(corpus);
        const reader = await openZipReader(bufferSource(zip), { name: "methods.zip", password: "cosfn-pass" });
        const outcomes: [string, string][] = [];
        for await (const entry of reader.entries()) {
          const outcome = await bytesOf(entry.read()).then(
            (bytes) => `read ${bytes.length} bytes`,
            (error: { code?: string; message: string }) => `${error.code}: ${error.message}`,
          );
          outcomes.push([Buffer.from(entry.nameBytes).toString(), outcome]);
        }
        expect(outcomes).toEqual([
          ["plain.txt", "read 5 bytes"],
          [
            "small.bz2",
            "UNSUPPORTED_METHOD: small.bz2: compression method 12 (bzip2) is not supported (stored and deflate are)",
          ],
          [
            "large.bin",
            "UNSUPPORTED_METHOD: large.bin: compression method 14 (LZMA) is not supported (stored and deflate are)",
          ],
          [
            "secret.ppmd",
            "UNSUPPORTED_METHOD: secret.ppmd: compression method 98 (PPMd) is not supported (stored and deflate are)",
          ],
        ]);
      },
    },
    {
      name: "reads a ZipCrypto entry with the password, and reports AES and ZipCrypto as they are marked",
      async run() {
        const zip = writeZip([
          { name: "secret.txt", data: Buffer.from("the secret"), password: "pw" },
          { name: "aes.txt", data: Buffer.from("aes"), aes: true },
        ]);
        const reader = await openZipReader(bufferSource(zip), { name: "crypt.zip", password: "pw" });
        const entries: [string, string][] = [];
        for await (const entry of reader.entries()) {
          entries.push([Buffer.from(entry.nameBytes).toString(), entry.encryption]);
          if (entry.encryption === "zipcrypto") expect((await bytesOf(entry.read())).toString()).toBe("the secret");
        }
        expect(entries).toEqual([
          ["secret.txt", "zipcrypto"],
          ["aes.txt", "aes"],
        ]);
      },
    },
  ],
});
