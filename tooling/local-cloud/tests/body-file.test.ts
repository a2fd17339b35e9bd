import { createHash } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { crc64 } from "@cosfn/checksums";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BLOCK_BYTES as BODY_BLOCK_BYTES } from "../src/cos/blocks.ts";
import { ObjectStore } from "../src/index.ts";
import { PLAIN_ATTRIBUTES as attributes, BUCKET } from "./sdk.ts";

const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");

/** Bytes that differ from one body to the next and along each body, so a block reused too soon shows. */
function bytesOf(seed: number, length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 131 + seed * 17 + (i >>> 12)) & 0xff;
  return data;
}

/** `data` cut into chunks of the given sizes, in turn, as a socket or a form parser might hand it over. */
function chunked(data: Buffer, sizes: number[]): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = sizes[i % sizes.length] as number;
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks, { objectMode: false });
}

async function storedOf(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.read(BUCKET, key).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

let store: ObjectStore;
beforeEach(async () => {
  store = await ObjectStore.open();
  await store.createBucket(BUCKET, "ap-guangzhou");
});
afterEach(async () => {
  await store.close();
});

describe("a body written to its file in blocks", () => {
  it("stores every byte, with the MD5 and CRC-64 of what was sent, whatever the chunks' sizes", async () => {
    const cases: [string, number, number[]][] = [
      ["empty", 0, [1]],
      ["one byte", 1, [1]],
      ["exactly one block", BODY_BLOCK_BYTES, [65_536]],
      ["a block and a byte, in socket-sized chunks", BODY_BLOCK_BYTES + 1, [65_536]],
      ["chunks larger than a block", 3 * BODY_BLOCK_BYTES + 12_345, [BODY_BLOCK_BYTES + 7, 100, 2 * BODY_BLOCK_BYTES]],
      ["odd small chunks", 2 * BODY_BLOCK_BYTES + 999, [1, 4095, 65_537, 333]],
    ];
    for (const [name, length, sizes] of cases) {
      const data = bytesOf(length, length);
      const object = await store.put(BUCKET, name, chunked(data, sizes), attributes);
      expect({ name, size: object.size, etag: object.etag, crc64: object.crc64 }).toEqual({
        name,
        size: length,
        etag: md5(data),
        crc64: crc64(data),
      });
      expect((await storedOf(store, name)).equals(data), name).toBe(true);
    }
  });

  it("keeps each of many bodies written at once apart (more at once than blocks are kept for reuse)", async () => {
    const bodies = Array.from({ length: 12 }, (_, i) => bytesOf(i, 2 * BODY_BLOCK_BYTES + i * 1000));
    const objects = await Promise.all(
      bodies.map((data, i) => store.put(BUCKET, `many/${i}`, chunked(data, [65_536, 1000 + i]), attributes)),
    );
    for (const [i, data] of bodies.entries()) {
      expect(objects[i]?.etag).toBe(md5(data));
      expect((await storedOf(store, `many/${i}`)).equals(data)).toBe(true);
    }
    // Bodies written after those, into reused blocks, are whole too.
    for (let i = 0; i < 3; i++) {
      const data = bytesOf(100 + i, BODY_BLOCK_BYTES + 5);
      await store.put(BUCKET, "again", chunked(data, [65_536]), attributes);
      expect((await storedOf(store, "again")).equals(data)).toBe(true);
    }
  });

  it("refuses a body past the limit part-way, leaving no file and the old object as it was", async () => {
    await store.put(BUCKET, "k", Readable.from([Buffer.from("old")]), attributes);
    const before = await readdir(join(store.root, "data"));
    const data = bytesOf(1, 3 * BODY_BLOCK_BYTES);
    let sent = 0;
    const body = Readable.from(
      (function* () {
        for (let at = 0; at < data.length; at += 65_536) {
          sent += 65_536;
          yield data.subarray(at, at + 65_536);
        }
      })(),
      { objectMode: false },
    );
    await expect(
      store.put(BUCKET, "k", body, attributes, { sizeRange: [0, BODY_BLOCK_BYTES + 10] }),
    ).rejects.toMatchObject({ code: "EntityTooLarge" });
    expect(sent).toBeLessThan(data.length);
    expect(body.destroyed).toBe(true);
    expect(await readdir(join(store.root, "data"))).toEqual(before);
    expect((await storedOf(store, "k")).toString()).toBe("old");
  });

  it("fails with the body's error after blocks were written, leaving no file", async () => {
    const before = await readdir(join(store.root, "data"));
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 2 * BODY_BLOCK_BYTES + 5000) {
          this.destroy(new Error("connection reset"));
          return;
        }
        sent += 65_536;
        this.push(bytesOf(sent, 65_536));
      },
    });
    await expect(store.put(BUCKET, "k", failing, attributes)).rejects.toThrow("connection reset");
    expect(await readdir(join(store.root, "data"))).toEqual(before);
    expect(store.head(BUCKET, "k")).toBeUndefined();
  });

  it("copies a body announced as short into a buffer of its size, and goes on in blocks if it is longer", async () => {
    for (const [announced, length] of [
      [5000, 5000],
      [100, 70_000],
      [BODY_BLOCK_BYTES - 1, 2 * BODY_BLOCK_BYTES + 3],
      [10, 3],
    ] as const) {
      const data = bytesOf(announced, length);
      const key = `announced/${announced}/${length}`;
      const outcome = store.put(BUCKET, key, chunked(data, [4096, 65_536]), attributes, { expectedBytes: announced });
      if (announced === length) {
        expect((await outcome).etag).toBe(md5(data));
        expect((await storedOf(store, key)).equals(data)).toBe(true);
      } else {
        // All of it read, then refused for its length.
        await expect(outcome).rejects.toMatchObject({
          code: "IncompleteBody",
          message: expect.stringContaining(`(${length} of ${announced})`),
        });
      }
    }
    expect(store.list(BUCKET, { prefix: "announced/" }).objects.map((object) => object.key)).toEqual([
      "announced/5000/5000",
    ]);
  });

  it("stores a part the same way: its ETag the MD5 of its bytes", async () => {
    const upload = await store.initiateUpload(BUCKET, "mp", attributes);
    const data = bytesOf(7, BODY_BLOCK_BYTES + 77);
    const part = await store.putPart(upload, 1, chunked(data, [65_536]), { expectedBytes: data.length });
    expect({ size: part.size, etag: part.etag, crc64: part.crc64 }).toEqual({
      size: data.length,
      etag: md5(data),
      crc64: crc64(data),
    });
    const object = await store.completeUpload(upload, [{ partNumber: 1, etag: part.etag }]);
    expect((await storedOf(store, object.key)).equals(data)).toBe(true);
  });
});
