import { createHash } from "node:crypto";
import type { CosClient } from "@cosfn/cos";
import type { Config } from "./config.ts";
import type { ImageInspection } from "./inspect.ts";
import type { ModerationDecision } from "./moderation-rules.ts";
import type { Label, ModerationVerdict } from "./providers/types.ts";

/** The `x-cos-meta-*` name on a sidecar holding the ETag of the object it describes. */
export const SIDECAR_ETAG = "cosfn-etag";

/** COS's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 850;

/**
 * An output key for an object's key under a prefix: `<prefix><key><suffix>`, or, when that would pass COS's
 * 850-byte limit, `<prefix>by-hash/<sha256 of key><suffix>` (the sidecar names the key it describes).
 */
export function outputKey(prefix: string, key: string, suffix: string): string {
  const plain = `${prefix}${key}${suffix}`;
  if (Buffer.byteLength(plain) <= MAX_KEY_BYTES) return plain;
  return `${prefix}by-hash/${createHash("sha256").update(key).digest("hex")}${suffix}`;
}

export function sidecarKey(config: Pick<Config, "sidecarPrefix">, key: string): string {
  return outputKey(config.sidecarPrefix, key, ".json");
}

/** What happened with one recognizer. */
export interface ProviderReport {
  status: "done" | "skipped" | "failed";
  /** What it was given: the object, or the pre-fitted derivative. */
  input?: "original" | "derivative";
  reason?: string;
  error?: { code: string; message: string };
}

/** The result of one object, written as `<SIDECAR_PREFIX><key>.json`. */
export interface Sidecar {
  version: 1;
  function: string;
  bucket: string;
  key: string;
  /** The ETag of the object described: a sidecar with this ETag means the object needs no recognition again. */
  etag: string;
  size: number;
  recognizedAt: string;
  status: "recognized" | "rejected";
  /** Why the image was rejected (`status: rejected`). */
  error?: { code: string; message: string };
  image?: ImageInspection & { extensionMismatch: boolean };
  labels: Label[];
  moderation?: ModerationVerdict & { decision: ModerationDecision };
  providers: Record<string, ProviderReport>;
  derivative?: { key: string; width: number; height: number; size: number; kept: boolean };
  tags?: { written: Record<string, string> } | { skipped: string };
  /** Moderation actions taken, in order (`tag`, `review:<key>`, `private`, `move:<key>`, `delete`). */
  actions: string[];
}

/** Whether the sidecar of `key` already describes the object with this ETag (a duplicate or retried event). */
export async function hasSidecarFor(
  cos: CosClient,
  bucket: string,
  config: Pick<Config, "sidecarPrefix">,
  key: string,
  etag: string,
): Promise<boolean> {
  const info = await cos.head(bucket, sidecarKey(config, key));
  return info !== null && info.metadata[SIDECAR_ETAG] === etag;
}

/** Writes the sidecar through the function's client (so it carries the writer marker), with the ETag it describes. */
export async function writeSidecar(
  cos: CosClient,
  config: Pick<Config, "sidecarPrefix">,
  sidecar: Sidecar,
): Promise<string> {
  const key = sidecarKey(config, sidecar.key);
  await cos.writeObject({
    bucket: sidecar.bucket,
    key,
    body: `${JSON.stringify(sidecar, null, 2)}\n`,
    contentType: "application/json; charset=utf-8",
    metadata: { [SIDECAR_ETAG]: sidecar.etag },
  });
  return key;
}
