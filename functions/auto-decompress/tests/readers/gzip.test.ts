import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { testProvider } from "@cosfn/testing";
import { expect } from "vitest";
import { openGzipReader } from "../../src/readers/gzip.ts";
import { archiveReaderContract, type PackedEntry, type ReaderSubject, readAll } from "./contract.ts";
import { packTar } from "./pack.ts";

const open = (archive: Buffer, name: string) => openGzipReader(Readable.from([archive]), { name });

testProvider<ReaderSubject>({
  name: "tar.gz",
  kind: "ArchiveReader",
  create: () => ({
    format: "tar.gz",
    pack: async (entries) => gzipSync(await packTar(entries)),
    open,
    single: false,
    listed: false,
    compressed: true,
    empty: "one file",
  }),
  cases: archiveReaderContract,
});

testProvider<ReaderSubject>({
  name: "gzip (a single file)",
  kind: "ArchiveReader",
  create: () => ({
    format: "gzip",
    pack: (entries: PackedEntry[]) => {
      expect(entries.length).toBe(1);
      return gzipSync(entries[0]?.data ?? Buffer.alloc(0));
    },
    open,
    single: true,
    listed: false,
    compressed: true,
    empty: "one file",
  }),
  cases: archiveReaderContract,
  extra: [
    {
      name: "names the file after the archive without .gz, or keeps the name when there is nothing to drop",
      async run() {
        const names = async (archiveName: string) =>
          (await readAll(await open(gzipSync("x"), archiveName))).map(({ entry }) =>
            Buffer.from(entry.nameBytes).toString(),
          );
        expect(await names("logs/app.log.gz")).toEqual(["app.log"]);
        expect(await names("logs/APP.GZ")).toEqual(["APP"]);
        expect(await names("logs/.gz")).toEqual([".gz"]);
      },
    },
    {
      name: "tells a tar inside from a file that is not one by the first 512 bytes it inflates to",
      async run() {
        expect((await open(gzipSync(Buffer.alloc(600, "t")), "a.gz")).format).toBe("gzip");
        expect((await open(gzipSync(await packTar([{ name: "x", data: Buffer.from("x") }])), "a.tgz")).format).toBe(
          "tar.gz",
        );
      },
    },
  ],
});
