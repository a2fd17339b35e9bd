import { Readable } from "node:stream";
import { testProvider } from "@cosfn/testing";
import { expect } from "vitest";
import { makeTar } from "../../scripts/tar-writer.ts";
import { openTarReader } from "../../src/readers/tar.ts";
import { archiveReaderContract, type ReaderSubject, readAll } from "./contract.ts";
import { packTar } from "./pack.ts";

const name = (nameBytes: Uint8Array) => Buffer.from(nameBytes).toString();

testProvider<ReaderSubject>({
  name: "tar",
  kind: "ArchiveReader",
  create: () => ({
    format: "tar",
    pack: packTar,
    open: async (archive, archiveName) => openTarReader(Readable.from([archive]), { name: archiveName }),
    single: false,
    listed: false,
    compressed: false,
    empty: "no entries",
  }),
  cases: archiveReaderContract,
  extra: [
    {
      name: "reads long names and reports hard links by kind",
      async run() {
        const longName = `${"deep/".repeat(30)}file.txt`;
        const tar = await makeTar([
          { name: longName, body: "long" },
          { name: "hard", type: "link", linkname: longName },
        ]);
        const all = await readAll(openTarReader(Readable.from([tar]), { name: "t.tar" }));
        expect(all.map(({ entry, bytes }) => [name(entry.nameBytes), entry.kind, bytes?.toString()])).toEqual([
          [longName, "file", "long"],
          ["hard", "hardlink", undefined],
        ]);
      },
    },
    {
      name: "names the archive and the format when the stream is corrupt",
      async run() {
        const tar = await makeTar([{ name: "a.txt", body: "a".repeat(5000) }]);
        const reader = openTarReader(Readable.from([tar.subarray(0, 2048)]), { name: "in/cut.tar" });
        const error = await readAll(reader).catch((e: unknown) => e);
        expect((error as Error).message).toMatch(/^in\/cut\.tar: the tar stream is corrupt or truncated \(/);
      },
    },
  ],
});
