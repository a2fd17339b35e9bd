import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalCloud, seedObject, startLocalCloud, storedBytes, storedKeys, storedText } from "../src/index.ts";
import { BUCKET } from "./sdk.ts";

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
});
afterAll(() => cloud.close());

describe("stored-state helpers", () => {
  it("seed an object without a request and read back its bytes, text and content type", async () => {
    await seedObject(cloud, BUCKET, "seeded/a.txt", "héllo", "text/plain");
    await seedObject(cloud, BUCKET, "seeded/b.bin", new Uint8Array([0, 1, 2]));
    expect(await storedText(cloud, BUCKET, "seeded/a.txt")).toBe("héllo");
    expect(await storedBytes(cloud, BUCKET, "seeded/b.bin")).toEqual(Buffer.from([0, 1, 2]));
    expect(cloud.store.head(BUCKET, "seeded/a.txt")?.contentType).toBe("text/plain");
    expect(cloud.store.head(BUCKET, "seeded/b.bin")?.contentType).toBe("application/octet-stream");
    expect(cloud.requests.entries).toEqual([]);
  });

  it("list every key under a prefix in UTF-8 byte order, past one listing page", async () => {
    for (let i = 0; i < 1005; i++) await seedObject(cloud, BUCKET, `many/${String(i).padStart(4, "0")}`, "x");
    const keys = storedKeys(cloud, BUCKET, "many/");
    expect(keys).toHaveLength(1005);
    expect(keys[0]).toBe("many/0000");
    expect(keys.at(-1)).toBe("many/1004");
    expect(storedKeys(cloud, BUCKET, "seeded/")).toEqual(["seeded/a.txt", "seeded/b.bin"]);
    expect(storedKeys(cloud, BUCKET, "none/")).toEqual([]);
  }, 60_000);
});
