import { readdir } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BLOCK_BYTES } from "../src/cos/blocks.ts";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, REGION, sdkFor } from "./sdk.ts";

/** Bytes that differ along the object, so a block sent twice or out of order shows. */
function bytesOf(seed: number, length: number): Buffer {
  const data = Buffer.alloc(length);
  for (let i = 0; i < length; i++) data[i] = (i * 151 + seed * 13 + (i >>> 10)) & 0xff;
  return data;
}

let cloud: LocalCloud;
beforeEach(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  cloud.store.minPartBytes = 1;
});
afterEach(async () => {
  await cloud.close();
});

describe("GET Object's body, read into reused blocks", () => {
  it("sends a multipart object whole and in ranges across its parts and blocks", async () => {
    const cos = sdkFor(cloud);
    const sizes = [BLOCK_BYTES + 3, 7, 2 * BLOCK_BYTES - 1];
    const parts = sizes.map((size, i) => bytesOf(i, size));
    const data = Buffer.concat(parts);
    const { UploadId } = await cos.multipartInit({ ...at, Key: "mp" });
    const etags: { PartNumber: number; ETag: string }[] = [];
    for (const [i, part] of parts.entries()) {
      const { ETag } = await cos.multipartUpload({ ...at, Key: "mp", UploadId, PartNumber: i + 1, Body: part });
      etags.push({ PartNumber: i + 1, ETag });
    }
    await cos.multipartComplete({ ...at, Key: "mp", UploadId, Parts: etags });

    const whole = await cos.getObject({ ...at, Key: "mp" });
    expect(whole.Body.equals(data)).toBe(true);
    for (const [first, last] of [
      [0, 0],
      [BLOCK_BYTES - 2, BLOCK_BYTES + 5],
      [5, data.length - 1],
      [BLOCK_BYTES + 3, BLOCK_BYTES + 9],
      [BLOCK_BYTES + 4, 3 * BLOCK_BYTES + 8],
    ] as const) {
      const ranged = await cos.getObject({ ...at, Key: "mp", Range: `bytes=${first}-${last}` });
      expect(ranged.statusCode).toBe(206);
      expect(ranged.Body.equals(data.subarray(first, last + 1)), `bytes=${first}-${last}`).toBe(true);
    }
    // Many GETs at once, more than the blocks kept for reuse.
    const all = await Promise.all(Array.from({ length: 10 }, () => cos.getObject({ ...at, Key: "mp" })));
    for (const got of all) expect(got.Body.equals(data)).toBe(true);
    expect(cloud.requests.entries.filter((e) => e.method === "GET").at(-1)?.bytesOut).toBe(data.length);
  });

  it("lets go of the object's files when the client hangs up part-way", async () => {
    const cos = sdkFor(cloud);
    const data = bytesOf(9, 32 * BLOCK_BYTES);
    await cos.putObject({ ...at, Key: "big", Body: data });
    const url = new URL(cos.getObjectUrl({ ...at, Key: "big", Sign: true }, () => {}));
    const received = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: cloud.port,
          path: `${url.pathname}${url.search}`,
          headers: { Host: `${BUCKET}.cos.${REGION}.myqcloud.com` },
        },
        (res) => {
          let bytes = 0;
          res.on("data", (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes >= BLOCK_BYTES) {
              req.destroy();
              resolve(bytes);
            }
          });
        },
      );
      req.on("error", () => {});
      req.on("close", () => resolve(-1));
      req.on("timeout", reject);
      req.end();
    });
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(data.length);
    // The server had not handed the whole body to the socket when the client hung up.
    for (let i = 0; i < 100 && cloud.requests.entries.at(-1)?.durationMs === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(cloud.requests.entries.at(-1)?.bytesOut).toBeLessThan(data.length);
    await cos.deleteObject({ ...at, Key: "big" });
    // Once the server has seen the hang-up, the deleted object's file goes too.
    const dataDir = join(cloud.store.root, "data");
    for (let i = 0; i < 100 && (await readdir(dataDir)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await readdir(dataDir)).toEqual([]);
    // And the next GETs are served whole.
    await cos.putObject({ ...at, Key: "after", Body: data });
    expect((await cos.getObject({ ...at, Key: "after" })).Body.equals(data)).toBe(true);
  });
});
