import type { CosClient } from "@cosfn/cos";
import { writerMetadata } from "@cosfn/runtime";
import { DUPLICATE_NAME } from "./conflict.ts";
import type { PlannedEntry } from "./plan.ts";

/** One line of the manifest: an entry as stored in the archive, where it went, and what happened. */
export interface ManifestEntry {
  name: string;
  key: string | null;
  size: number;
  crc32: string | null;
  outcome: "written" | "already-written" | "skipped" | "failed";
  reason?: string;
}

export interface Manifest {
  archive: { bucket: string; key: string; etag: string | null; size: number };
  format: string;
  target: { bucket: string; prefix: string };
  complete: boolean;
  updatedAt: string;
  counts: Record<ManifestEntry["outcome"], number>;
  entries: ManifestEntry[];
}

/** The manifest's key: beside the entries, under the target prefix. */
export function manifestKey(prefix: string): string {
  return `${prefix}.cosfn-manifest.json`;
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
    counts: { written: 0, "already-written": 0, skipped: 0, failed: 0 },
    entries: [],
  };
}

/**
 * Adds an entry's line at its index, with what the plan decided: `skipped` (with the plan's reason) until the
 * entry is written.
 */
export function addLine(manifest: Manifest, entry: PlannedEntry): ManifestEntry {
  const line: ManifestEntry = {
    name: entry.name,
    key: entry.path === undefined ? null : `${manifest.target.prefix}${entry.path}`,
    size: entry.declaredSize,
    crc32: entry.crc32 === undefined ? null : hex(entry.crc32),
    outcome: "skipped",
    ...(entry.skip !== undefined && { reason: entry.skip }),
    ...(entry.replacedByLater && { reason: DUPLICATE_NAME }),
    ...(entry.normalized.length > 0 && { reason: `name normalised: ${entry.normalized.join(", ")}` }),
  };
  manifest.entries[entry.index] = line;
  return line;
}

/** Counts the outcomes, marks the manifest complete or not, and saves it under the target prefix. */
export async function saveManifest(
  cos: CosClient,
  manifest: Manifest,
  options: { complete: boolean; functionName: string },
): Promise<void> {
  manifest.entries = manifest.entries.filter(Boolean);
  for (const line of manifest.entries) manifest.counts[line.outcome]++;
  manifest.complete = options.complete;
  manifest.updatedAt = new Date().toISOString();
  await cos.writeObject({
    bucket: manifest.target.bucket,
    key: manifestKey(manifest.target.prefix),
    body: `${JSON.stringify(manifest, null, 2)}\n`,
    contentType: "application/json",
    metadata: writerMetadata(options.functionName),
  });
}
