import { Transform } from "node:stream";
import { Crc32 } from "@cosfn/checksums";
import type { CosClient } from "@cosfn/cos";
import { DeadlineError, type Logger, PermanentError, writerMetadata } from "@cosfn/runtime";
import { lookup } from "mime-types";
import { detectFormat, SNIFF_BYTES } from "./archive-format.ts";
import type { Config } from "./config.ts";
import { ArchiveRefusedError, type PlannedEntry, planEntries } from "./plan.ts";
import { openZip } from "./zip.ts";

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

export interface ExtractInput {
  cos: CosClient;
  source: { bucket: string; key: string; size: number | null; etag: string | null };
  target: { bucket: string; prefix: string };
  config: Config;
  functionName: string;
  signal: AbortSignal;
  log: Logger;
  /** Entries written at once. */
  parallelism?: number;
}

/** The manifest's key: beside the entries, under the target prefix. */
export function manifestKey(prefix: string): string {
  return `${prefix}.cosfn-manifest.json`;
}

const hex = (crc: number) => crc.toString(16).padStart(8, "0");

/** Counts what an entry inflates to and stops it at the first limit it passes: never trusts the header. */
class InflateGuard extends Transform {
  readonly crc = new Crc32();
  bytes = 0;
  constructor(
    private readonly entry: PlannedEntry,
    private readonly limits: {
      maxEntryBytes: number;
      maxEntryRatio: number;
      totalLeft: () => number;
      add: (bytes: number) => void;
    },
  ) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    const { entry, limits } = this;
    if (this.bytes > entry.declaredSize) {
      callback(
        new PermanentError(
          "ENTRY_OVERFLOW",
          `${entry.name}: inflates past the ${entry.declaredSize} bytes its header declares; cut off`,
        ),
      );
      return;
    }
    if (this.bytes > limits.maxEntryBytes) {
      callback(
        new ArchiveRefusedError(
          "MAX_ENTRY_BYTES",
          `${entry.name}: inflated past MAX_ENTRY_BYTES (${limits.maxEntryBytes})`,
        ),
      );
      return;
    }
    if (entry.compressedSize > 0 && this.bytes / entry.compressedSize > limits.maxEntryRatio) {
      callback(
        new ArchiveRefusedError(
          "MAX_ENTRY_RATIO",
          `${entry.name}: inflated past MAX_ENTRY_RATIO (${limits.maxEntryRatio}:1)`,
        ),
      );
      return;
    }
    if (chunk.length > limits.totalLeft()) {
      callback(new ArchiveRefusedError("MAX_TOTAL_BYTES", `${entry.name}: the archive inflated past MAX_TOTAL_BYTES`));
      return;
    }
    limits.add(chunk.length);
    this.crc.update(chunk);
    callback(null, chunk);
  }
}

/**
 * Extracts a zip archive from COS into objects under the target prefix: plans every entry first (safe names,
 * limits on header claims), then streams each file entry to COS with the limits enforced on inflated bytes,
 * skips entries a previous attempt already wrote (same size and CRC-32), honours ON_CONFLICT, and records every
 * entry in a manifest under the target prefix. Near the deadline it stops, saves the manifest and throws a
 * retryable DeadlineError so that SCF's retry continues the job.
 */
export async function extractArchive(input: ExtractInput): Promise<Manifest> {
  const { cos, source, target, config, signal, log } = input;
  const head: Buffer[] = [];
  for await (const chunk of cos.readStream(source.bucket, source.key, { start: 0, end: SNIFF_BYTES - 1 }))
    head.push(chunk as Buffer);
  const detected = detectFormat(Buffer.concat(head));
  if ("unsupported" in detected)
    throw new PermanentError("UNSUPPORTED_FORMAT", `${source.key}: ${detected.unsupported}`);
  if (detected.format !== "zip") {
    throw new PermanentError(
      "UNSUPPORTED_FORMAT",
      `${source.key}: ${detected.format} extraction is not implemented yet (zip is)`,
    );
  }

  let zip: Awaited<ReturnType<typeof openZip>>;
  try {
    zip = await openZip(cos.rangeSource(source.bucket, source.key, source.size ?? undefined));
  } catch (error) {
    if ((error as { retryable?: boolean }).retryable) throw error;
    throw new PermanentError("CORRUPT_ARCHIVE", `${source.key}: not a readable zip (${(error as Error).message})`, {
      cause: error,
    });
  }
  const plan = planEntries(zip.entries, config, target.prefix);
  const manifest: Manifest = {
    archive: { bucket: source.bucket, key: source.key, etag: source.etag, size: source.size ?? 0 },
    format: "zip",
    target,
    complete: false,
    updatedAt: new Date().toISOString(),
    counts: { written: 0, "already-written": 0, skipped: 0, failed: 0 },
    entries: plan.map((entry) => ({
      name: entry.name,
      key: entry.path === undefined ? null : `${target.prefix}${entry.path}`,
      size: entry.declaredSize,
      crc32: entry.crc32 === undefined ? null : hex(entry.crc32),
      outcome: "skipped",
      ...(entry.skip !== undefined && { reason: entry.skip }),
      ...(entry.replacedByLater && { reason: "duplicate name: a later entry with the same name wins" }),
      ...(entry.normalized.length > 0 && { reason: `name normalised: ${entry.normalized.join(", ")}` }),
    })),
  };

  let inflated = 0;
  let refused: unknown;
  const work = plan.filter((entry) => entry.path !== undefined && entry.skip === undefined && !entry.replacedByLater);
  let next = 0;
  let lastProgress = Date.now();
  const parallelism = Math.max(1, input.parallelism ?? 4);

  const extractOne = async (entry: PlannedEntry): Promise<void> => {
    const line = manifest.entries[entry.index] as ManifestEntry;
    const key = line.key as string;
    if (entry.encryption === "aes")
      throw new PermanentError("AES_ENCRYPTED", `${entry.name}: AES-encrypted entries are not supported`);
    if (entry.encryption === "zipcrypto" && !config.archivePassword) {
      throw new PermanentError(
        "PASSWORD_REQUIRED",
        `${entry.name}: the entry is encrypted and ARCHIVE_PASSWORD is not set`,
      );
    }
    const existing = await cos.head(target.bucket, key);
    if (existing) {
      if (
        entry.crc32 !== undefined &&
        existing.size === entry.declaredSize &&
        existing.metadata["cosfn-crc32"] === hex(entry.crc32)
      ) {
        line.outcome = "already-written";
        return;
      }
      if (config.onConflict === "skip") {
        line.outcome = "skipped";
        line.reason = "the key exists (ON_CONFLICT=skip)";
        return;
      }
      if (config.onConflict === "fail") throw new PermanentError("CONFLICT", `${key} exists (ON_CONFLICT=fail)`);
    }
    const guard = new InflateGuard(entry, {
      maxEntryBytes: config.maxEntryBytes,
      maxEntryRatio: config.maxEntryRatio,
      totalLeft: () => config.maxTotalBytes - inflated,
      add: (bytes) => {
        inflated += bytes;
      },
    });
    const inflating = zip.open(entry.index, entry.encryption === "zipcrypto" ? config.archivePassword : undefined);
    inflating.on("error", (error: Error) => guard.destroy(error));
    inflating.pipe(guard);
    try {
      await cos.writeObject({
        bucket: target.bucket,
        key,
        body: guard,
        contentType: lookup(key) || "application/octet-stream",
        metadata: {
          ...writerMetadata(input.functionName),
          "cosfn-archive": encodeURIComponent(source.key),
          ...(entry.crc32 !== undefined && { "cosfn-crc32": hex(entry.crc32) }),
          ...(entry.modified && { "cosfn-mtime": entry.modified.toISOString() }),
        },
        signal,
      });
    } catch (error) {
      inflating.destroy();
      throw classify(entry, error);
    }
    if (guard.bytes !== entry.declaredSize || (entry.crc32 !== undefined && guard.crc.digest() !== entry.crc32)) {
      await cos.deleteObject(target.bucket, key).catch(() => {});
      throw new PermanentError(
        "CORRUPT_ENTRY",
        `${entry.name}: inflated to ${guard.bytes} bytes with CRC-32 ${hex(guard.crc.digest())}; the header says ${entry.declaredSize} and ${line.crc32}`,
      );
    }
    line.outcome = "written";
  };

  const worker = async () => {
    while (next < work.length && !refused) {
      if (signal.aborted) return;
      const entry = work[next++] as PlannedEntry;
      const line = manifest.entries[entry.index] as ManifestEntry;
      try {
        await extractOne(entry);
      } catch (error) {
        if (error instanceof ArchiveRefusedError) {
          refused = error;
          line.outcome = "failed";
          line.reason = error.message;
          return;
        }
        if (signal.aborted) return;
        if ((error as { retryable?: boolean }).retryable) throw error;
        line.outcome = "failed";
        line.reason = (error as Error).message;
      }
      if (Date.now() - lastProgress > 5000) {
        lastProgress = Date.now();
        log.info("progress", { entries: next, of: work.length, inflatedBytes: inflated });
      }
    }
  };
  let failure: unknown;
  await Promise.all(
    Array.from({ length: Math.min(parallelism, Math.max(1, work.length)) }, () =>
      worker().catch((e) => (failure ??= e)),
    ),
  );

  for (const line of manifest.entries) manifest.counts[line.outcome]++;
  manifest.complete = !signal.aborted && !failure && !refused;
  manifest.updatedAt = new Date().toISOString();
  await cos.writeObject({
    bucket: target.bucket,
    key: manifestKey(target.prefix),
    body: `${JSON.stringify(manifest, null, 2)}\n`,
    contentType: "application/json",
    metadata: writerMetadata(input.functionName),
  });
  if (refused) throw refused;
  if (failure) throw failure;
  if (signal.aborted)
    throw new DeadlineError(
      `${source.key}: stopped near the time limit after ${manifest.counts.written} entries; the retry continues`,
    );
  if (config.deleteSource && manifest.counts.failed === 0) await cos.deleteObject(source.bucket, source.key);
  return manifest;
}

/** Maps what inflating an entry threw to an error that says which entry and whether a retry helps. */
function classify(entry: PlannedEntry, error: unknown): unknown {
  if (error instanceof ArchiveRefusedError || error instanceof PermanentError) return error;
  const message = (error as Error)?.message ?? String(error);
  if (/MISSING_PASSWORD|BAD_PASSWORD/.test(message)) {
    return new PermanentError("BAD_PASSWORD", `${entry.name}: ARCHIVE_PASSWORD does not decrypt the entry`, {
      cause: error,
    });
  }
  if ((error as { retryable?: boolean }).retryable === true) return error;
  if (
    /invalid|incorrect|unexpected end|FILE_ENDED|Z_DATA_ERROR|Z_BUF_ERROR/i.test(message) ||
    (error as { code?: string }).code?.startsWith("Z_")
  ) {
    return new PermanentError("CORRUPT_ENTRY", `${entry.name}: ${message}`, { cause: error });
  }
  return error;
}
