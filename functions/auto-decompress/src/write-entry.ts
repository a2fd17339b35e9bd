import { type Readable, Transform } from "node:stream";
import { Crc32, crc32 } from "@cosfn/checksums";
import type { CosClient } from "@cosfn/cos";
import { CosfnError, PermanentError, writerMetadata } from "@cosfn/runtime";
import { lookup } from "mime-types";
import { type ArchiveLimits, entryOverflow } from "./limits.ts";
import { hex } from "./manifest.ts";
import type { PlannedEntry } from "./plan.ts";
import { EntryBytesError } from "./readers/types.ts";
import { unsupportedMethod } from "./readers/zip.ts";

/** Where and how entries are written. */
export interface EntryTarget {
  cos: CosClient;
  bucket: string;
  /** What every entry's object carries: the writer marker, the archive and its ETag (see `archiveMetadata`). */
  metadata: Readonly<Record<string, string>>;
  signal: AbortSignal;
  /** Bytes per part of an entry's multipart upload, and parts in flight per entry. */
  partSize: number;
  partsInFlight: number;
  limits: ArchiveLimits;
}

/** The metadata every entry of one archive carries: the writer marker, the archive's key and its ETag. */
export function archiveMetadata(
  functionName: string,
  source: { key: string; etag: string | null },
): Record<string, string> {
  return {
    ...writerMetadata(functionName),
    "cosfn-archive": encodeURIComponent(source.key),
    ...(source.etag && { "cosfn-source-etag": source.etag }),
  };
}

/**
 * Fails an entry that cannot be extracted before anything of it is read: AES, ZipCrypto without a password, or
 * a compression method other than stored (0) and deflate (8), named (`UNSUPPORTED_METHOD`).
 */
export function checkExtractable(entry: PlannedEntry, password: string | undefined): void {
  if (entry.encryption === "aes")
    throw new PermanentError("AES_ENCRYPTED", `${entry.name}: AES-encrypted entries are not supported`);
  if (entry.encryption === "zipcrypto" && !password) {
    throw new PermanentError(
      "PASSWORD_REQUIRED",
      `${entry.name}: the entry is encrypted and ARCHIVE_PASSWORD is not set`,
    );
  }
  if (entry.method !== undefined && entry.method !== 0 && entry.method !== 8) {
    throw unsupportedMethod(entry.name, entry.method);
  }
}

/**
 * Writes one entry's inflated bytes to `key` (streamed, multipart above a part), with a Content-Type from its
 * extension and the metadata that identifies it (archive, its ETag, entry index, CRC-32, mtime). The bytes are
 * counted against the limits as they inflate (the ratio against `compressedRead`, the archive's bytes read for
 * the entry), and cut off at the first one passed; size and CRC-32 are checked against the header before the
 * object is complete (the whole entry before its PUT, a streamed one before its last part), so an entry that
 * does not match is never written and nothing needs deleting (`CORRUPT_ENTRY`). Returns the size and CRC-32
 * written; throws what went wrong, named.
 */
export async function writeEntry(
  entry: PlannedEntry,
  key: string,
  read: () => Promise<Buffer> | Readable,
  to: EntryTarget,
  compressedRead?: () => number,
): Promise<{ size: number; crc32: number }> {
  const { cos, bucket, signal } = to;
  const opened = read();
  let body: Buffer | InflateGuard;
  let checked: { size: number; crc32: number } | undefined;
  if (opened instanceof Promise) {
    body = await opened.catch((error: unknown) => {
      throw classify(entry, error);
    });
    const refusal = to.limits.inflatedTo(entry, body.length, body.length, compressedRead?.());
    if (refusal) throw refusal;
    checked = verified(entry, body.length, crc32(body));
  } else {
    const guard = new InflateGuard(entry, to.limits, compressedRead);
    opened.on("error", (error: Error) => guard.destroy(error));
    opened.pipe(guard);
    body = guard;
  }
  try {
    await cos.writeObject({
      bucket,
      key,
      body,
      contentType: lookup(key) || "application/octet-stream",
      partSize: to.partSize,
      parallelism: to.partsInFlight,
      metadata: {
        ...to.metadata,
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
  return checked ?? (body as InflateGuard).verified();
}

/** The size and CRC-32 an entry inflated to, or `CORRUPT_ENTRY` when they are not what its header declares. */
function verified(entry: PlannedEntry, size: number, crc: number): { size: number; crc32: number } {
  const sizeWrong = Number.isFinite(entry.declaredSize) && size !== entry.declaredSize;
  if (sizeWrong || (entry.crc32 !== undefined && crc !== entry.crc32)) {
    const declaredCrc = entry.crc32 === undefined ? null : hex(entry.crc32);
    throw new PermanentError(
      "CORRUPT_ENTRY",
      `${entry.name}: inflated to ${size} bytes with CRC-32 ${hex(crc)}; the header says ${entry.declaredSize} and ${declaredCrc}`,
    );
  }
  return { size, crc32: crc };
}

/**
 * Counts what an entry inflates to and stops it at the first limit it passes: never trusts the header. At the end
 * it checks size and CRC-32 before passing the end on, so a corrupt entry's upload fails instead of completing.
 */
class InflateGuard extends Transform {
  readonly #crc = new Crc32();
  bytes = 0;
  #verified: { size: number; crc32: number } | undefined;
  constructor(
    private readonly entry: PlannedEntry,
    private readonly limits: ArchiveLimits,
    private readonly compressedRead: (() => number) | undefined,
  ) {
    super();
  }

  override _flush(callback: (error?: Error | null) => void): void {
    try {
      this.#verified = verified(this.entry, this.bytes, this.#crc.digest());
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  verified(): { size: number; crc32: number } {
    return this.#verified as { size: number; crc32: number };
  }

  override _transform(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null, data?: Buffer) => void,
  ): void {
    this.bytes += chunk.length;
    const refusal = this.limits.inflatedTo(this.entry, this.bytes, chunk.length, this.compressedRead?.());
    if (refusal) {
      callback(refusal);
      return;
    }
    this.#crc.update(chunk);
    callback(null, chunk);
  }
}

/** Maps what inflating an entry threw to an error that says which entry and whether a retry helps. */
function classify(entry: PlannedEntry, error: unknown): unknown {
  if (error instanceof EntryBytesError) {
    return new PermanentError("CORRUPT_ENTRY", `${entry.name}: ${error.message}`, { cause: error });
  }
  if (error instanceof CosfnError) return error; // classified already: a refusal, a COS failure, a deadline
  // A whole read inflates at most one byte past the declared size.
  if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") return entryOverflow(entry);
  const message = (error as Error)?.message ?? String(error);
  if (/MISSING_PASSWORD|BAD_PASSWORD/.test(message)) {
    return new PermanentError("BAD_PASSWORD", `${entry.name}: ARCHIVE_PASSWORD does not decrypt the entry`, {
      cause: error,
    });
  }
  if (
    /invalid|incorrect|unexpected end|FILE_ENDED|Z_DATA_ERROR|Z_BUF_ERROR/i.test(message) ||
    (error as { code?: string }).code?.startsWith("Z_")
  ) {
    return new PermanentError("CORRUPT_ENTRY", `${entry.name}: ${message}`, { cause: error });
  }
  return error;
}
