import { createHash } from "node:crypto";
import type { CosClient } from "@cosfn/cos";
import { MAX_KEY_BYTES } from "@cosfn/events";
import { errorCode, writerMetadata } from "@cosfn/runtime";
import { DUPLICATE_NAME } from "./conflict.ts";
import type { PlannedEntry } from "./plan.ts";

/** One line of the manifest: an entry as stored in the archive, where it went, and what happened. */
export interface ManifestEntry {
  name: string;
  key: string | null;
  size: number;
  crc32: string | null;
  outcome: "written" | "already-written" | "skipped" | "refused" | "failed";
  reason?: string;
  /** The key is not the name as stored: normalised, or told apart from another name that decodes the same. */
  renamed?: true;
}

/** Each outcome's count, and how many entries were renamed. */
export type ManifestCounts = Record<ManifestEntry["outcome"], number> & { renamed: number };

export interface Manifest {
  archive: { bucket: string; key: string; etag: string | null; size: number };
  format: string;
  target: { bucket: string; prefix: string };
  complete: boolean;
  updatedAt: string;
  /** What stopped the archive as a whole (refused, corrupt, not an archive), when something did. */
  error?: { code: string; message: string; limit?: string };
  counts: ManifestCounts;
  entries: ManifestEntry[];
}

/**
 * The manifest's key: under the target prefix, named after the archive (a hash of its bucket and key), so that
 * two archives never share a manifest even when they share a prefix. Never over COS's 850 bytes: under a prefix
 * too long for it, the prefix is cut (at a character) before the name.
 */
export function manifestKey(prefix: string, archive: { bucket: string; key: string }): string {
  const id = createHash("sha256").update(`${archive.bucket}/${archive.key}`).digest("hex").slice(0, 16);
  const name = `.cosfn-manifest-${id}.json`;
  const room = MAX_KEY_BYTES - Buffer.byteLength(name);
  if (Buffer.byteLength(prefix) <= room) return `${prefix}${name}`;
  let cut = "";
  let bytes = 0;
  for (const char of prefix) {
    bytes += Buffer.byteLength(char);
    if (bytes > room) break;
    cut += char;
  }
  return `${cut}${name}`;
}

/** A CRC-32 as the manifest and the objects' metadata write it: 8 hex digits. */
export const hex = (crc: number) => crc.toString(16).padStart(8, "0");

/** A manifest with no entries yet, for an archive of `format` extracted under `target`. */
export function startManifest(
  source: { bucket: string; key: string; size: number | null; etag: string | null },
  target: { bucket: string; prefix: string },
  format: string,
): Manifest {
  return {
    archive: { bucket: source.bucket, key: source.key, etag: source.etag, size: source.size ?? 0 },
    format,
    target,
    complete: false,
    updatedAt: new Date().toISOString(),
    counts: { written: 0, "already-written": 0, skipped: 0, refused: 0, failed: 0, renamed: 0 },
    entries: [],
  };
}

/**
 * Adds an entry's line at its index, with what the plan decided: `skipped` (with the plan's reason) until the
 * entry is written.
 */
export function addLine(manifest: Manifest, entry: PlannedEntry): ManifestEntry {
  const reasons = [
    entry.refuse ?? entry.skip,
    entry.replacedByLater ? DUPLICATE_NAME : undefined,
    entry.normalized.length > 0 ? `name normalised: ${entry.normalized.join(", ")}` : undefined,
    entry.renamed,
  ].filter((reason) => reason !== undefined);
  const line: ManifestEntry = {
    name: entry.name,
    key: entry.path === undefined ? null : `${manifest.target.prefix}${entry.path}`,
    size: entry.declaredSize,
    crc32: entry.crc32 === undefined ? null : hex(entry.crc32),
    outcome: entry.refuse !== undefined ? "refused" : "skipped",
    ...(reasons.length > 0 && { reason: reasons.join("; ") }),
    ...(entry.path !== undefined && (entry.normalized.length > 0 || entry.renamed !== undefined) && { renamed: true }),
  };
  manifest.entries[entry.index] = line;
  return line;
}

/** Records what stopped the archive as a whole on its manifest. */
export function setError(manifest: Manifest, error: unknown): void {
  const limit = (error as { limit?: unknown }).limit;
  manifest.error = {
    code: errorCode(error),
    message: (error as Error)?.message ?? String(error),
    ...(typeof limit === "string" && { limit }),
  };
}

/** Counts the outcomes, marks the manifest complete or not, and saves it under the target prefix. */
export async function saveManifest(
  cos: CosClient,
  manifest: Manifest,
  options: { complete: boolean; functionName: string },
): Promise<void> {
  manifest.entries = manifest.entries.filter(Boolean);
  for (const line of manifest.entries) {
    manifest.counts[line.outcome]++;
    if (line.renamed) manifest.counts.renamed++;
  }
  manifest.complete = options.complete;
  manifest.updatedAt = new Date().toISOString();
  await cos.writeObject({
    bucket: manifest.target.bucket,
    key: manifestKey(manifest.target.prefix, manifest.archive),
    body: `${JSON.stringify(manifest, null, 2)}\n`,
    contentType: "application/json",
    metadata: writerMetadata(options.functionName),
  });
}
