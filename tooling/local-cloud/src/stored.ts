import { Readable } from "node:stream";
import type { LocalCloud } from "./server.ts";

/** Puts an object straight into the local cloud's store (no request, no trigger): the setup of a test. */
export async function seedObject(
  cloud: LocalCloud,
  bucket: string,
  key: string,
  data: Uint8Array | string,
  contentType = "application/octet-stream",
): Promise<void> {
  await cloud.store.put(bucket, key, Readable.from([Buffer.from(data)]), {
    contentType,
    headers: {},
    meta: {},
    storageClass: "STANDARD",
    tags: [],
  });
}

/** The bytes the local cloud stores for a key, read straight from its store: what a test asserts on. */
export async function storedBytes(cloud: LocalCloud, bucket: string, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of cloud.store.read(bucket, key).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `storedBytes` as UTF-8 text. */
export async function storedText(cloud: LocalCloud, bucket: string, key: string): Promise<string> {
  return (await storedBytes(cloud, bucket, key)).toString("utf8");
}

/** Every key under a prefix, in the order COS lists them (all pages, not just the first 1,000). */
export function storedKeys(cloud: LocalCloud, bucket: string, prefix = ""): string[] {
  const keys: string[] = [];
  let marker = "";
  for (;;) {
    const page = cloud.store.list(bucket, { prefix, marker });
    keys.push(...page.objects.map((object) => object.key));
    if (!page.isTruncated || page.nextMarker === undefined) return keys;
    marker = page.nextMarker;
  }
}
