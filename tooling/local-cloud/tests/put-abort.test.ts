import { readdir } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { at, BUCKET, REGION, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
beforeEach(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
});
afterEach(async () => {
  await cloud.close();
});

describe("a PUT Object whose client hangs up part-way", () => {
  it("leaves no file and no object, and the next PUT of the key is stored whole", async () => {
    const cos = sdkFor(cloud);
    const total = 8 * 1024 * 1024;
    const url = new URL(cos.getObjectUrl({ ...at, Key: "cut", Method: "PUT", Sign: true }, () => {}));
    await new Promise<void>((resolve) => {
      const req = request({
        method: "PUT",
        host: "127.0.0.1",
        port: cloud.port,
        path: `${url.pathname}${url.search}`,
        headers: { Host: `${BUCKET}.cos.${REGION}.myqcloud.com`, "Content-Length": String(total) },
      });
      req.on("error", () => resolve());
      req.on("close", () => resolve());
      // 1.5 MiB (several blocks) of the 8 MiB announced, then the connection is cut.
      req.write(Buffer.alloc(1536 * 1024, 1), () => setTimeout(() => req.destroy(), 100));
    });
    const dataDir = join(cloud.store.root, "data");
    for (let i = 0; i < 100 && (await readdir(dataDir)).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await readdir(dataDir)).toEqual([]);
    // The server had received more than a block of it.
    expect(cloud.requests.entries[0]?.bytesIn).toBeGreaterThan(1024 * 1024);
    expect(cloud.store.head(BUCKET, "cut")).toBeUndefined();
    const data = Buffer.alloc(3 * 1024 * 1024 + 1, 2);
    await cos.putObject({ ...at, Key: "cut", Body: data });
    expect((await cos.getObject({ ...at, Key: "cut" })).Body.equals(data)).toBe(true);
  });
});
