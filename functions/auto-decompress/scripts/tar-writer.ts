// Builds tar archives for the corpus and the tests with tar-stream's packer.
import tar from "tar-stream";

export interface TarItem {
  name: string;
  body?: string;
  type?: "file" | "directory" | "symlink" | "link";
  linkname?: string;
}

export async function makeTar(items: TarItem[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  })();
  for (const item of items) {
    const type = item.type ?? "file";
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: item.name,
          type,
          ...(item.linkname && { linkname: item.linkname }),
          mtime: new Date("2026-01-02T03:04:05Z"),
        },
        type === "file" ? (item.body ?? "") : "",
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * A ustar archive whose names are written byte for byte (tar-stream writes names that are not ASCII as PAX
 * UTF-8): the names tar tools on Chinese or Japanese Windows store in GBK, Big5 or Shift_JIS, or invalid UTF-8.
 */
export function makeRawTar(items: { name: Uint8Array; body: string }[]): Buffer {
  const blocks: Buffer[] = [];
  const octal = (n: number, width: number) => `${n.toString(8).padStart(width - 1, "0")}\0`;
  for (const item of items) {
    const body = Buffer.from(item.body, "utf8");
    const header = Buffer.alloc(512);
    Buffer.from(item.name).copy(header, 0, 0, 100);
    header.write(octal(0o644, 8), 100, "latin1");
    header.write(octal(0, 8), 108, "latin1");
    header.write(octal(0, 8), 116, "latin1");
    header.write(octal(body.length, 12), 124, "latin1");
    header.write(octal(Math.floor(Date.parse("2026-01-02T03:04:05Z") / 1000), 12), 136, "latin1");
    header.write("        ", 148, "latin1");
    header.write("0", 156, "latin1");
    header.write("ustar\u000000", 257, "latin1");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
