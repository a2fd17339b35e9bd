import { type CosClient, CosObjectChangedError } from "@cosfn/cos";
import { DeadlineError, isRetryable, type Logger, RetryableError } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { replacedByLater, TargetKeys } from "./conflict.ts";
import { ArchiveLimits, ArchiveRefusedError } from "./limits.ts";
import {
  addLine,
  hex,
  type Manifest,
  type ManifestEntry,
  manifestKey,
  saveManifest,
  setError,
  startManifest,
} from "./manifest.ts";
import { PathClaims, type PlannedEntry, planEntries, planEntry, type ReservedKeys, toWrite } from "./plan.ts";
import { openArchiveReader } from "./readers/index.ts";
import type { ArchiveReader, ReaderEntry } from "./readers/types.ts";
import { archiveMetadata, checkExtractable, type EntryTarget, writeEntry } from "./write-entry.ts";

export { type Manifest, type ManifestEntry, manifestKey } from "./manifest.ts";

/**
 * The archive was replaced (or deleted) while it was extracted: its reads are pinned to the ETag seen at the
 * start. Nothing more is written, nothing is deleted, and the manifest is left to the run of the new version.
 * Retryable: a retry extracts the archive as it is then.
 */
export class ArchiveChangedError extends RetryableError {
  override readonly name = "ArchiveChangedError";
  constructor(key: string, cause: CosObjectChangedError) {
    super(
      "ARCHIVE_CHANGED",
      `${key}: the archive changed during the extraction (it no longer has ETag "${cause.expectedEtag}"); stopped, nothing deleted, the retry extracts the current version`,
      { cause },
    );
  }
}

/** `error` as an ArchiveChangedError when a pinned read found the archive changed; else as it is. */
function changedArchive(key: string, error: unknown): unknown {
  const found = error instanceof CosObjectChangedError ? error : (error as { cause?: unknown } | null)?.cause;
  return found instanceof CosObjectChangedError ? new ArchiveChangedError(key, found) : error;
}

/** How many reasons of entries not written (or renamed) are logged; the manifest has all of them. */
const REASONS_LOGGED = 5;

export interface ExtractInput {
  cos: CosClient;
  source: { bucket: string; key: string; size: number | null; etag: string | null };
  target: { bucket: string; prefix: string };
  config: Config;
  functionName: string;
  signal: AbortSignal;
  log: Logger;
  /** Entries written at once. Default 4. */
  parallelism?: number;
  /** Bytes per part of an entry's multipart upload, and parts in flight per entry. */
  partSize?: number;
  partsInFlight?: number;
  /** How often progress is logged while the extraction runs. Default 5 s. */
  progressEveryMs?: number;
}

/**
 * How many entries to write at once within a memory budget: each entry holds up to `partSize * (partsInFlight
 * + 1)` bytes of parts, and 96 MB are left for Node, the SDKs and the archive's directory.
 */
export function parallelismFor(memoryMb: number, partSize = 8 * 1024 * 1024, partsInFlight = 2): number {
  const perEntry = (partSize * (partsInFlight + 1)) / (1024 * 1024);
  return Math.max(1, Math.min(8, Math.floor((memoryMb - 96) / perEntry)));
}

/**
 * Extracts an archive from COS into objects under the target prefix. The format comes from the content (see
 * `openArchiveReader`): zip through its central directory with range reads (no download), tar and tar.gz in one
 * streamed pass, a single gzipped file as one object. Every entry is planned (safe name, limits on header claims)
 * before it is inflated, the limits are enforced again on inflated bytes, entries a previous attempt wrote are
 * skipped, ON_CONFLICT is honoured, and a manifest under the target prefix lists every entry. Near the deadline it
 * stops, saves the manifest and throws a retryable DeadlineError so that SCF's retry continues the job.
 */
export async function extractArchive(input: ExtractInput): Promise<Manifest> {
  const { cos, source, config, target } = input;
  const reserved: ReservedKeys = {
    archive: target.bucket === source.bucket ? source.key : undefined,
    manifest: manifestKey(target.prefix, source),
  };
  let reader: ArchiveReader;
  try {
    reader = await openArchiveReader(cos, source, { password: config.archivePassword });
  } catch (error) {
    throw await stoppedBeforeEntries(input, "unknown", error);
  }
  try {
    const limits = new ArchiveLimits(config, reader.compressedRead?.bind(reader));
    let plan: PlannedEntry[] | undefined;
    if (reader.listed) {
      // A listed archive is refused before any entry is written; the manifest says why.
      try {
        limits.checkListed(reader.listed);
      } catch (error) {
        throw await stoppedBeforeEntries(input, reader.format, error);
      }
      plan = planEntries(reader.listed, config, target.prefix, reserved);
    }
    const keys = await TargetKeys.list(cos, target, source.etag, config.onConflict);
    return await new Extraction(input, reader.format, limits, keys, reserved).run(reader, plan);
  } catch (error) {
    throw changedArchive(source.key, error);
  } finally {
    reader.close();
  }
}

/**
 * What stopped an archive before any entry (not an archive, corrupt, truncated, refused by its headers): recorded
 * on a manifest with no entries, then returned to be thrown. A changed archive or a retryable failure writes
 * nothing.
 */
async function stoppedBeforeEntries(input: ExtractInput, format: string, error: unknown): Promise<unknown> {
  const changed = changedArchive(input.source.key, error);
  if (changed !== error || isRetryable(error) || input.signal.aborted) return changed;
  const manifest = startManifest(input.source, input.target, format);
  setError(manifest, error);
  await saveManifest(input.cos, manifest, { complete: false, functionName: input.functionName });
  return error;
}

/** Entries whose bytes are held in memory already cost only their upload: this many times more are in flight. */
const HELD_ENTRIES_FACTOR = 2;

/** The state of one extraction: the manifest, the limits' counts, and the first refusal or failure. */
class Extraction {
  readonly manifest: Manifest;
  refused: ArchiveRefusedError | undefined;
  failure: unknown;
  /** File entries to write, when known before the first is written (a listed archive). */
  planned: number | undefined;
  /** Entries finished so far, whatever their outcome. */
  #finished = 0;
  readonly #started = Date.now();
  readonly #progress: NodeJS.Timeout;
  readonly #target: EntryTarget;

  constructor(
    readonly input: ExtractInput,
    format: string,
    readonly limits: ArchiveLimits,
    readonly keys: TargetKeys,
    readonly reserved: ReservedKeys,
  ) {
    const { cos, source, target, functionName, signal } = input;
    this.manifest = startManifest(source, target, format);
    this.#target = {
      cos,
      bucket: target.bucket,
      metadata: archiveMetadata(functionName, source),
      signal,
      partSize: input.partSize ?? 8 * 1024 * 1024,
      partsInFlight: input.partsInFlight ?? 2,
      limits,
    };
    this.#progress = setInterval(() => this.#logProgress(), input.progressEveryMs ?? 5000).unref();
  }

  get stopped(): boolean {
    return this.refused !== undefined || this.failure !== undefined || this.input.signal.aborted;
  }

  /**
   * Takes the reader's entries in its order: plans each (all at once for a listed archive), and writes those to
   * write with bounded parallelism. Entries the reader fetches on its own (`detached`) and those read whole off a
   * stream are written while the next ones are taken; a streamed entry is written before the next is taken. Stops
   * at the first refusal, retryable failure or the deadline; then saves the manifest (see `finish`).
   */
  async run(reader: ArchiveReader, plan: PlannedEntry[] | undefined): Promise<Manifest> {
    const { config, target, signal } = this.input;
    const parallelism = Math.max(1, this.input.parallelism ?? 4);
    const pending = new Set<Promise<void>>();
    const inFlight = async (write: Promise<void>, limit: number) => {
      const done = write.finally(() => pending.delete(done));
      pending.add(done);
      while (pending.size >= limit) await Promise.race(pending);
    };
    if (plan) {
      for (const entry of plan) addLine(this.manifest, entry);
      this.planned = plan.filter(toWrite).length;
    }
    const claims = new PathClaims(target.prefix, this.reserved);
    try {
      for await (const entry of reader.entries()) {
        if (this.stopped) break;
        let planned: PlannedEntry;
        if (plan) planned = plan[entry.index] as PlannedEntry;
        else {
          planned = planEntry(entry, config, target.prefix, this.reserved);
          const refusal = this.limits.declared(entry);
          if (refusal) {
            // The entry that reveals the limit is not written; those before it stay written (README).
            const line = addLine(this.manifest, { ...planned, refuse: refusal.message });
            line.key = null;
            this.refused = refusal;
            break;
          }
          const earlier = claims.claim(planned);
          addLine(this.manifest, planned);
          if (earlier !== undefined) {
            // The earlier entry's upload finishes first, so that the later one wins.
            await Promise.allSettled(pending);
            replacedByLater(this.manifest.entries[earlier] as ManifestEntry);
          }
        }
        if (!toWrite(planned)) continue;
        if (entry.detached) await inFlight(this.#take(planned, entry.read, entry.compressedRead), parallelism);
        else await this.#takeFromStream(planned, entry, (write) => inFlight(write, parallelism * HELD_ENTRIES_FACTOR));
      }
    } catch (thrown) {
      const error = changedArchive(this.input.source.key, thrown);
      if (error instanceof ArchiveRefusedError) this.refused ??= error;
      else if (isRetryable(error) || signal.aborted) this.failure ??= error;
      else {
        // The archive is corrupt: what was written stays, and a retry would fail the same way.
        await Promise.allSettled(pending);
        this.#stopProgress();
        throw error;
      }
    }
    await Promise.allSettled(pending);
    return this.finish();
  }

  /**
   * An entry at the reader's position: read whole when the reader gives it whole (a small entry), so that its
   * upload overlaps taking the next ones; else written from the stream before the next entry is taken.
   */
  async #takeFromStream(
    entry: PlannedEntry,
    from: ReaderEntry,
    inFlight: (write: Promise<void>) => Promise<void>,
  ): Promise<void> {
    const bytes = from.read();
    if (bytes instanceof Promise) {
      const held = await bytes;
      await inFlight(this.#take(entry, () => Promise.resolve(held), from.compressedRead));
    } else await this.#take(entry, () => bytes, from.compressedRead);
  }

  /**
   * Writes one entry, unless a previous attempt wrote it or ON_CONFLICT says not to, and records the outcome on
   * its manifest line. `read` is called only when the entry is written. Records what should stop the archive
   * (a refusal, a retryable failure) instead of throwing it.
   */
  async #take(entry: PlannedEntry, read: ReaderEntry["read"], compressedRead?: () => number): Promise<void> {
    const line = this.manifest.entries[entry.index] as ManifestEntry;
    const key = line.key as string;
    try {
      checkExtractable(entry, this.input.config.archivePassword);
      const decision = await this.keys.decide(entry, key);
      if (!decision.write) {
        line.outcome = decision.outcome;
        if (decision.reason !== undefined) line.reason = decision.reason;
        return;
      }
      const written = await writeEntry(entry, key, read, this.#target, compressedRead);
      line.outcome = "written";
      line.size = written.size;
      line.crc32 ??= hex(written.crc32);
      this.keys.wrote(key);
    } catch (thrown) {
      const error = changedArchive(this.input.source.key, thrown);
      if (error instanceof ArchiveRefusedError) {
        this.refused ??= error;
        line.outcome = "refused";
        line.reason = error.message;
        return;
      }
      if (this.input.signal.aborted) return;
      if (isRetryable(error)) {
        this.failure ??= error;
        return;
      }
      line.outcome = "failed";
      line.reason = (error as Error).message;
    } finally {
      this.#finished++;
    }
  }

  /** Logs entries finished (of those planned, when known), bytes inflated, and both rates since the start. */
  #logProgress(): void {
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    const inflated = this.limits.inflated;
    this.input.log.info("progress", {
      entriesDone: this.#finished,
      ...(this.planned !== undefined && { entriesPlanned: this.planned }),
      inflatedBytes: inflated,
      entriesPerSecond: Math.round((this.#finished / seconds) * 10) / 10,
      inflatedBytesPerSecond: Math.round(inflated / seconds),
      elapsedMs: Date.now() - this.#started,
    });
  }

  #stopProgress(): void {
    clearInterval(this.#progress);
  }

  /**
   * Saves the manifest (unless the archive changed: the run of its new version writes it), logs the first reasons
   * of entries not written or renamed, then raises what stopped the archive, or deletes the source if asked and it
   * is still the version extracted.
   */
  async finish(): Promise<Manifest> {
    this.#stopProgress();
    const { cos, signal, source, config, functionName } = this.input;
    const manifest = this.manifest;
    if (this.failure instanceof ArchiveChangedError) throw this.failure;
    if (this.refused) setError(manifest, this.refused);
    if (this.stopped) {
      for (const line of manifest.entries) {
        if (line && line.outcome === "skipped" && line.reason === undefined && line.key !== null) {
          line.reason = "not reached: the extraction stopped before it";
        }
      }
    }
    await saveManifest(cos, manifest, { complete: !this.stopped, functionName });
    this.#logReasons();
    if (this.refused) throw this.refused;
    if (this.failure) throw this.failure;
    if (signal.aborted) {
      throw new DeadlineError(
        `${source.key}: stopped near the time limit after ${manifest.counts.written} entries; the retry continues`,
      );
    }
    if (config.deleteSource && manifest.counts.failed === 0 && manifest.counts.refused === 0) {
      const now = await cos.head(source.bucket, source.key);
      // Only the version extracted is deleted: a newer upload is left for its own run.
      if (now && (source.etag === null || now.etag === source.etag)) await cos.deleteObject(source.bucket, source.key);
    }
    return manifest;
  }

  /** Logs the first few entries not written or renamed, with their reasons; the manifest lists every one. */
  #logReasons(): void {
    const noted = this.manifest.entries.filter(
      (line) => line.outcome === "skipped" || line.outcome === "refused" || line.outcome === "failed" || line.renamed,
    );
    if (noted.length === 0) return;
    this.input.log.info("entries not written as named", {
      manifest: manifestKey(this.input.target.prefix, this.input.source),
      first: noted.slice(0, REASONS_LOGGED).map((line) => `${line.name}: ${line.outcome}: ${line.reason ?? ""}`),
      more: Math.max(0, noted.length - REASONS_LOGGED),
    });
  }
}
