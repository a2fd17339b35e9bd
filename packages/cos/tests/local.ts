import { createHash } from "node:crypto";
import { type LocalCloud, startLocalCloud } from "@cosfn/local-cloud";
import { type CosClient, createCosClient } from "../src/index.ts";

export const BUCKET = "examplebucket-1250000000";
export const REGION = "ap-guangzhou";

/** A local cloud with one bucket, and a client for it built the way functions build theirs. */
export async function localCos(): Promise<{ cloud: LocalCloud; client: CosClient }> {
  const cloud = await startLocalCloud({ buckets: [BUCKET], region: REGION });
  const [credentials] = cloud.credentials;
  const client = createCosClient(
    { region: REGION },
    {
      TENCENTCLOUD_SECRETID: credentials?.secretId,
      TENCENTCLOUD_SECRETKEY: credentials?.secretKey,
      COSFN_COS_ENDPOINT: cloud.endpoint,
    },
  );
  return { cloud, client };
}

export async function stored(cloud: LocalCloud, key: string): Promise<Buffer> {
  const { stream } = cloud.store.read(BUCKET, key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >>> 16;
  }
  return out;
}

/** SHA-256 of some bytes: compare large buffers by digest (vitest's deep equality walks them byte by byte). */
export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
