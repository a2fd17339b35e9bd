import { Readable, Transform } from "node:stream";
import { Crc32, crc32 } from "@cosfn/checksums";
import type { CosClient } from "@cosfn/cos";
import { DeadlineError, type Logger, PermanentError, writerMetadata } from "@cosfn/runtime";
import { lookup } from "mime-types";
import { detectFormat, isTarHeader, SNIFF_BYTES } from "./archive-format.ts";
import type { Config } from "./config.ts";
import { type ArchiveEntry, ArchiveRefusedError, type PlannedEntry, planEntries } from "./plan.ts";
import { ByteCounter, gunzip, readTar } from "./tar.ts";
import { openZip, ZipLayoutError } from "./zip.ts";

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

/** The manifest's key: beside the entries, under the target prefix. */
export function manifestKey(prefix: string): string {
  return `${prefix}.cosfn-manifest.json`;
}

const hex = (crc: number) => crc.toString(16).padStart(8, "0");
/** Entries up to this size are read whole and uploaded while the next ones are read (tar and gzip streams). */
const SMALL_ENTRY = 1024 * 1024;

/** Counts what an entry inflates to and stops it at the first limit it passes: never trusts the header. */
class InflateGuard extends Transform {
  readonly crc = new Crc32();
  bytes = 0;
  constructor(
    private readonly entry: PlannedEntry,
    private readonly run: Extraction,
  ) {
    super();
  }
  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    const refusal = this.run.inflatedTo(this.entry, this.bytes, chunk.length);
    if (refusal) {
      callback(refusal);
      return;
    }
    this.crc.update(chunk);
    callback(null, chunk);
  }
}

/** The state of one extraction: the manifest, the bytes inflated, and the first refusal or failure. */
class Extraction {
  readonly manifest: Manifest;
  inflated = 0;
  refused: ArchiveRefusedError | undefined;
  failure: unknown;
  /** For gzip streams: the compressed bytes read so far, for the ratio of the whole stream. */
  compressedRead: (() => number) | undefined;
  readonly #written = new Set<string>();
  /** The keys under the target prefix before this extraction wrote anything (one listing). */
  existingKeys = new Set<string>();
  /** File entries to write, when known before the first is written (zip). */
  planned: number | undefined;
  /** Entries finished so far, whatever their outcome. */
  #finished = 0;
  readonly #started = Date.now();
  #progress: NodeJS.Timeout | undefined;

  constructor(
    readonly input: ExtractInput,
    format: string,
  ) {
    const { source, target } = input;
    this.manifest = {
      archive: { bucket: source.bucket, key: source.key, etag: source.etag, size: source.size ?? 0 },
      format,
      target,
      complete: false,
      updatedAt: new Date().toISOString(),
      counts: { written: 0, "already-written": 0, skipped: 0, failed: 0 },
      entries: [],
    };
  }

  /** An extraction with the keys already under the target prefix listed. */
  static async start(input: ExtractInput, format: string): Promise<Extraction> {
    const run = new Extraction(input, format);
    for await (const object of input.cos.list(input.target.bucket, { prefix: input.target.prefix }))
      run.existingKeys.add(object.key);
    run.#progress = setInterval(() => run.#logProgress(), input.progressEveryMs ?? 5000).unref();
    return run;
  }

  /** Logs entries finished (of those planned, when known), bytes inflated, and both rates since the start. */
  #logProgress(): void {
    const seconds = Math.max(0.001, (Date.now() - this.#started) / 1000);
    this.input.log.info("progress", {
      entriesDone: this.#finished,
      ...(this.planned !== undefined && { entriesPlanned: this.planned }),
      inflatedBytes: this.inflated,
      entriesPerSecond: Math.round((this.#finished / seconds) * 10) / 10,
      inflatedBytesPerSecond: Math.round(this.inflated / seconds),
      elapsedMs: Date.now() - this.#started,
    });
  }

  /** Ends the progress log; `finish` calls it, and so must any path that throws without finishing. */
  stopProgress(): void {
    clearInterval(this.#progress);
  }

  /**
   * Checks an entry that has inflated to `bytes` so far, `added` of them just now, against its declared size and
   * the per-entry limits, and counts the added bytes against the archive's; returns the error to raise.
   */
  inflatedTo(entry: PlannedEntry, bytes: number, added: number): PermanentError | undefined {
    const { config } = this.input;
    if (bytes > entry.declaredSize) return entryOverflow(entry);
    if (bytes > config.maxEntryBytes) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_BYTES",
        `${entry.name}: inflated past MAX_ENTRY_BYTES (${config.maxEntryBytes})`,
      );
    }
    if (entry.compressedSize > 0 && bytes / entry.compressedSize > config.maxEntryRatio) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `${entry.name}: inflated past MAX_ENTRY_RATIO (${config.maxEntryRatio}:1)`,
      );
    }
    return this.count(added);
  }

  /** Counts inflated bytes against the total limit and the whole-stream ratio; returns a refusal to raise. */
  count(bytes: number): ArchiveRefusedError | undefined {
    const { config } = this.input;
    this.inflated += bytes;
    if (this.inflated > config.maxTotalBytes) {
      return new ArchiveRefusedError(
        "MAX_TOTAL_BYTES",
        `the archive inflated past MAX_TOTAL_BYTES (${config.maxTotalBytes})`,
      );
    }
    const compressed = this.compressedRead?.();
    if (
      compressed !== undefined &&
      compressed > 0 &&
      this.inflated > 1024 * 1024 &&
      this.inflated / compressed > config.maxEntryRatio
    ) {
      return new ArchiveRefusedError(
        "MAX_ENTRY_RATIO",
        `the stream inflated past MAX_ENTRY_RATIO (${config.maxEntryRatio}:1)`,
      );
    }
    return undefined;
  }

  /** Adds an entry's manifest line, with what the plan decided. */
  line(entry: PlannedEntry): ManifestEntry {
    const line: ManifestEntry = {
      name: entry.name,
      key: entry.path === undefined ? null : `${this.input.target.prefix}${entry.path}`,
      size: entry.declaredSize,
      crc32: entry.crc32 === undefined ? null : hex(entry.crc32),
      outcome: "skipped",
      ...(entry.skip !== undefined && { reason: entry.skip }),
      ...(entry.replacedByLater && { reason: "duplicate name: a later entry with the same name wins" }),
      ...(entry.normalized.length > 0 && { reason: `name normalised: ${entry.normalized.join(", ")}` }),
    };
    this.manifest.entries[entry.index] = line;
    return line;
  }

  /** Whether the object a previous attempt wrote for this entry is the same entry. */
  #alreadyWritten(entry: PlannedEntry, existing: { size: number; metadata: Record<string, string> }): boolean {
    if (existing.size !== entry.declaredSize) return false;
    if (entry.crc32 !== undefined) return existing.metadata["cosfn-crc32"] === hex(entry.crc32);
    const { etag } = this.input.source;
    return (
      etag !== null &&
      existing.metadata["cosfn-source-etag"] === etag &&
      existing.metadata["cosfn-entry"] === String(entry.index)
    );
  }

  /**
   * Writes one entry from its inflated bytes, unless a previous attempt wrote it or ON_CONFLICT says not to.
   * `open` gives the bytes as a stream, or whole for a small entry; it is called only when the entry is
   * written, so a caller reading a shared stream (tar) drains the entry when it is not. Throws what should
   * stop the archive; records the rest.
   */
  async write(entry: PlannedEntry, open: () => Readable | Promise<Buffer>): Promise<void> {
    const line = this.manifest.entries[entry.index] as ManifestEntry;
    const { cos, target, config, signal, functionName, source } = this.input;
    const key = line.key as string;
    try {
      if (entry.encryption === "aes")
        throw new PermanentError("AES_ENCRYPTED", `${entry.name}: AES-encrypted entries are not supported`);
      if (entry.encryption === "zipcrypto" && !config.archivePassword) {
        throw new PermanentError(
          "PASSWORD_REQUIRED",
          `${entry.name}: the entry is encrypted and ARCHIVE_PASSWORD is not set`,
        );
      }
      // Only keys that existed under the prefix when the extraction began need a HEAD (resume, ON_CONFLICT).
      const existing =
        this.#written.has(key) || !this.existingKeys.has(key) ? null : await cos.head(target.bucket, key);
      if (existing) {
        const etag = source.etag;
        if (
          etag &&
          existing.metadata["cosfn-source-etag"] === etag &&
          Number(existing.metadata["cosfn-entry"]) > entry.index
        ) {
          // A previous attempt wrote a later entry of this archive with the same name: that one wins.
          line.outcome = "skipped";
          line.reason = "duplicate name: a later entry with the same name wins";
          return;
        }
        if (this.#alreadyWritten(entry, existing)) {
          line.outcome = "already-written";
          this.#written.add(key);
          return;
        }
        if (config.onConflict === "skip") {
          line.outcome = "skipped";
          line.reason = "the key exists (ON_CONFLICT=skip)";
          return;
        }
        if (config.onConflict === "fail") throw new PermanentError("CONFLICT", `${key} exists (ON_CONFLICT=fail)`);
      }
      const opened = open();
      let body: Buffer | InflateGuard;
      if (opened instanceof Promise) {
        body = await opened.catch((error: unknown) => {
          throw classify(entry, error);
        });
        const refusal = this.inflatedTo(entry, body.length, body.length);
        if (refusal) throw refusal;
      } else {
        const guard = new InflateGuard(entry, this);
        opened.on("error", (error: Error) => guard.destroy(error));
        opened.pipe(guard);
        body = guard;
      }
      try {
        await cos.writeObject({
          bucket: target.bucket,
          key,
          body,
          contentType: lookup(key) || "application/octet-stream",
          partSize: this.input.partSize ?? 8 * 1024 * 1024,
          parallelism: this.input.partsInFlight ?? 2,
          metadata: {
            ...writerMetadata(functionName),
            "cosfn-archive": encodeURIComponent(source.key),
            ...(source.etag && { "cosfn-source-etag": source.etag }),
            "cosfn-entry": String(entry.index),
            ...(entry.crc32 !== undefined && { "cosfn-crc32": hex(entry.crc32) }),
            ...(entry.modified && { "cosfn-mtime": entry.modified.toISOString() }),
          },
          signal,
        });
      } catch (error) {
        if (!(opened instanceof Promise)) opened.destroy();
        throw classify(entry, error);
      }
      const size = body instanceof InflateGuard ? body.bytes : body.length;
      const crc = body instanceof InflateGuard ? body.crc.digest() : crc32(body);
      const sizeWrong = Number.isFinite(entry.declaredSize) && size !== entry.declaredSize;
      if (sizeWrong || (entry.crc32 !== undefined && crc !== entry.crc32)) {
        await cos.deleteObject(target.bucket, key).catch(() => {});
        throw new PermanentError(
          "CORRUPT_ENTRY",
          `${entry.name}: inflated to ${size} bytes with CRC-32 ${hex(crc)}; the header says ${entry.declaredSize} and ${line.crc32}`,
        );
      }
      line.outcome = "written";
      line.size = size;
      line.crc32 ??= hex(crc);
      this.#written.add(key);
    } catch (error) {
      if (error instanceof ArchiveRefusedError) {
        this.refused ??= error;
        line.outcome = "failed";
        line.reason = error.message;
        return;
      }
      if (signal.aborted) return;
      if ((error as { retryable?: boolean }).retryable) {
        this.failure ??= error;
        return;
      }
      line.outcome = "failed";
      line.reason = (error as Error).message;
    } finally {
      this.#finished++;
    }
  }

  get stopped(): boolean {
    return this.refused !== undefined || this.failure !== undefined || this.input.signal.aborted;
  }

  /** Saves the manifest, then raises what stopped the archive, or deletes the source if asked. */
  async finish(): Promise<Manifest> {
    this.stopProgress();
    const { cos, target, signal, source, config, functionName } = this.input;
    const manifest = this.manifest;
    manifest.entries = manifest.entries.filter(Boolean);
    for (const line of manifest.entries) manifest.counts[line.outcome]++;
    manifest.complete = !this.stopped;
    manifest.updatedAt = new Date().toISOString();
    await cos.writeObject({
      bucket: target.bucket,
      key: manifestKey(target.prefix),
      body: `${JSON.stringify(manifest, null, 2)}\n`,
      contentType: "application/json",
      metadata: writerMetadata(functionName),
    });
    if (this.refused) throw this.refused;
    if (this.failure) throw this.failure;
    if (signal.aborted) {
      throw new DeadlineError(
        `${source.key}: stopped near the time limit after ${manifest.counts.written} entries; the retry continues`,
      );
    }
    if (config.deleteSource && manifest.counts.failed === 0) await cos.deleteObject(source.bucket, source.key);
    return manifest;
  }
}

/**
 * Extracts an archive from COS into objects under the target prefix. The format comes from the content: zip
 * through its central directory with range reads (no download), tar and tar.gz in one streamed pass, a single
 * gzipped file as one object. Every entry is planned (safe name, limits on header claims) before it is
 * inflated, the limits are enforced again on inflated bytes, entries a previous attempt wrote are skipped,
 * ON_CONFLICT is honoured, and a manifest under the target prefix lists every entry. Near the deadline it
 * stops, saves the manifest and throws a retryable DeadlineError so that SCF's retry continues the job.
 */
export async function extractArchive(input: ExtractInput): Promise<Manifest> {
  const { cos, source } = input;
  const head: Buffer[] = [];
  for await (const chunk of cos.readStream(source.bucket, source.key, { start: 0, end: SNIFF_BYTES - 1 }))
    head.push(chunk as Buffer);
  const detected = detectFormat(Buffer.concat(head));
  if ("unsupported" in detected)
    throw new PermanentError("UNSUPPORTED_FORMAT", `${source.key}: ${detected.unsupported}`);
  if (detected.format === "zip") return extractZip(input);
  if (detected.format === "tar") return extractTar(input, "tar", cos.readStream(source.bucket, source.key));
  const counter = new ByteCounter();
  const inflated = gunzip(cos.readStream(source.bucket, source.key), counter);
  const { peeked, stream } = await peek(inflated, 512);
  if (peeked.length >= 512 && isTarHeader(peeked)) return extractTar(input, "tar.gz", stream, counter);
  return extractGzip(input, stream, counter);
}

async function extractZip(input: ExtractInput): Promise<Manifest> {
  const { cos, source, config, target } = input;
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
  const run = await Extraction.start(input, "zip");
  for (const entry of plan) run.line(entry);
  // In the order the bytes lie in the archive, so that neighbouring small entries share one range read.
  const work = zip.order
    .map((index) => plan[index] as PlannedEntry)
    .filter((entry) => entry.path !== undefined && entry.skip === undefined && !entry.replacedByLater);
  run.planned = work.length;
  let next = 0;
  const worker = async () => {
    while (next < work.length && !run.stopped) {
      const entry = work[next++] as PlannedEntry;
      await run.write(
        entry,
        () =>
          zip.readWhole(entry.index) ??
          zip.open(entry.index, entry.encryption === "zipcrypto" ? config.archivePassword : undefined),
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, input.parallelism ?? 4), Math.max(1, work.length)) }, worker),
  );
  return run.finish();
}

async function extractTar(
  input: ExtractInput,
  format: "tar" | "tar.gz",
  stream: Readable,
  counter?: ByteCounter,
): Promise<Manifest> {
  const { config, target, source } = input;
  const run = await Extraction.start(input, format);
  if (counter) run.compressedRead = () => counter.bytes;
  const pending = new Set<Promise<void>>();
  const limit = Math.max(1, input.parallelism ?? 4) * 2;
  let files = 0;
  let declared = 0;
  const lastByPath = new Map<string, ManifestEntry>();
  try {
    for await (const { entry, body } of readTar(stream)) {
      if (run.stopped) {
        body.resume();
        break;
      }
      if (entry.kind === "file") {
        files++;
        declared += entry.declaredSize;
        if (files > config.maxEntries)
          run.refused = new ArchiveRefusedError(
            "MAX_ENTRIES",
            `the archive has more than MAX_ENTRIES (${config.maxEntries}) file entries`,
          );
        else if (entry.declaredSize > config.maxEntryBytes) {
          run.refused = new ArchiveRefusedError(
            "MAX_ENTRY_BYTES",
            `entry ${entry.index} declares ${entry.declaredSize} bytes; MAX_ENTRY_BYTES is ${config.maxEntryBytes}`,
          );
        } else if (declared > config.maxTotalBytes) {
          run.refused = new ArchiveRefusedError(
            "MAX_TOTAL_BYTES",
            `the entries declare more than MAX_TOTAL_BYTES (${config.maxTotalBytes})`,
          );
        }
        if (run.refused) {
          body.resume();
          break;
        }
      }
      const [planned] = planEntries(
        [{ ...entry, index: 0 }],
        { ...config, maxEntries: Number.MAX_SAFE_INTEGER },
        target.prefix,
      );
      const plannedEntry = { ...(planned as PlannedEntry), index: entry.index };
      const line = run.line(plannedEntry);
      if (plannedEntry.path === undefined || plannedEntry.skip !== undefined) {
        body.resume();
        continue;
      }
      const earlier = lastByPath.get(plannedEntry.path);
      if (earlier) {
        // The earlier entry's upload finishes first, so that the later one wins.
        await Promise.allSettled(pending);
        earlier.reason = "duplicate name: a later entry with the same name wins";
        if (earlier.outcome === "written") earlier.outcome = "skipped";
      }
      lastByPath.set(plannedEntry.path, line);
      if (plannedEntry.declaredSize <= SMALL_ENTRY) {
        // Small entries are read whole, so that their uploads overlap with reading the next ones.
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        const upload = run.write(plannedEntry, () => Promise.resolve(bytes)).finally(() => pending.delete(upload));
        pending.add(upload);
        while (pending.size >= limit) await Promise.race(pending);
      } else {
        let opened = false;
        await run.write(plannedEntry, () => {
          opened = true;
          return body;
        });
        // An entry not written (already written, ON_CONFLICT) is drained, or the tar stream would stop here.
        if (!opened) body.resume();
      }
    }
  } catch (error) {
    if (error instanceof ArchiveRefusedError) run.refused ??= error;
    else if ((error as { retryable?: boolean }).retryable || input.signal.aborted) run.failure ??= error;
    else {
      await Promise.allSettled(pending);
      run.stopProgress();
      throw new PermanentError(
        "CORRUPT_ARCHIVE",
        `${source.key}: the ${format} stream is corrupt or truncated (${(error as Error).message})`,
        { cause: error },
      );
    }
  }
  await Promise.allSettled(pending);
  return run.finish();
}

async function extractGzip(input: ExtractInput, stream: Readable, counter: ByteCounter): Promise<Manifest> {
  const { source, config, target } = input;
  const run = await Extraction.start(input, "gzip");
  run.compressedRead = () => counter.bytes;
  const file = source.key.slice(source.key.lastIndexOf("/") + 1);
  const name = file.replace(/\.gz$/i, "") || file;
  const entry: ArchiveEntry = {
    index: 0,
    nameBytes: Buffer.from(name),
    utf8Flag: true,
    kind: "file",
    declaredSize: Number.POSITIVE_INFINITY,
    compressedSize: 0,
    encryption: "none",
    modified: undefined,
    crc32: undefined,
  };
  const [planned] = planEntries([{ ...entry, declaredSize: 0 }], config, target.prefix);
  const plannedEntry = { ...(planned as PlannedEntry), declaredSize: Number.POSITIVE_INFINITY };
  run.line(plannedEntry);
  if (plannedEntry.path !== undefined && plannedEntry.skip === undefined) {
    await run.write(plannedEntry, () => stream);
  }
  return run.finish();
}

/** Reads the first `size` bytes of a stream and gives back a stream that still yields all of them. */
async function peek(stream: Readable, size: number): Promise<{ peeked: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let total = 0;
  const iterator = stream[Symbol.asyncIterator]();
  let done = false;
  while (total < size) {
    const next = await iterator.next().catch((error: Error) => {
      throw new PermanentError("CORRUPT_ARCHIVE", `the gzip stream is corrupt (${error.message})`, { cause: error });
    });
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value as Buffer);
    total += (next.value as Buffer).length;
  }
  const peeked = Buffer.concat(chunks);
  async function* replay() {
    yield peeked;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value as Buffer;
    }
  }
  return { peeked, stream: Readable.from(replay()) };
}

/** The entry inflated past the size its header declares: it is cut off there. */
function entryOverflow(entry: PlannedEntry): PermanentError {
  return new PermanentError(
    "ENTRY_OVERFLOW",
    `${entry.name}: inflates past the ${entry.declaredSize} bytes its header declares; cut off`,
  );
}

/** Maps what inflating an entry threw to an error that says which entry and whether a retry helps. */
function classify(entry: PlannedEntry, error: unknown): unknown {
  if (error instanceof ArchiveRefusedError || error instanceof PermanentError) return error;
  // A whole read inflates at most one byte past the declared size.
  if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return entryOverflow(entry);
  if (error instanceof ZipLayoutError) {
    return new PermanentError("CORRUPT_ENTRY", `${entry.name}: ${error.message}`, { cause: error });
  }
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
