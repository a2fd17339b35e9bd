import COS from "cos-nodejs-sdk-v5";
import type { LocalCloud } from "../src/index.ts";

export const BUCKET = "examplebucket-1250000000";
export const REGION = "ap-guangzhou";

/** The real SDK, pointed at the local cloud the way @cosfn/cos does it: signed for the real host. */
export function sdkFor(
  cloud: LocalCloud,
  overrides: Partial<{ SecretId: string; SecretKey: string; SecurityToken: string }> = {},
): COS {
  const [credentials] = cloud.credentials;
  if (!credentials) throw new Error("the local cloud has no credentials");
  return new COS({
    SecretId: credentials.secretId,
    SecretKey: credentials.secretKey,
    Protocol: "http:",
    Domain: "{Bucket}.cos.{Region}.myqcloud.com",
    Ip: `127.0.0.1:${cloud.port}`,
    AutoSwitchHost: false,
    ...overrides,
  } as COS.COSOptions);
}

export const at = { Bucket: BUCKET, Region: REGION };

/** The bytes the local cloud stores for a key, read straight from its store. */
export async function storedBytes(cloud: LocalCloud, key: string, bucket = BUCKET): Promise<Buffer> {
  const { stream } = cloud.store.read(bucket, key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The SDK's rejection, for asserting on its code. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; statusCode?: number; message?: string; headers?: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; statusCode?: number };
  }
  throw new Error("expected the call to fail");
}
