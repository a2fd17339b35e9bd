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
