import type { CosClient } from "@cosfn/cos";
import { PermanentError } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { hex, type ManifestEntry } from "./manifest.ts";
import type { PlannedEntry } from "./plan.ts";

/** The reason an entry is not written: a later entry of the archive has the same name. */
export const DUPLICATE_NAME = "duplicate name: a later entry with the same name wins";

/** Whether to write an entry, or the outcome it gets without being written. */
export type Decision = { write: true } | { write: false; outcome: "already-written" | "skipped"; reason?: string };

/**
 * Decides what happens to an entry whose key may already exist: written by a previous attempt at this archive
 * (resume: skipped as `already-written`), by this archive's later entry of the same name (that one wins), or by
 * someone else (ON_CONFLICT: overwrite, skip, or fail the entry). The target prefix is listed once, when the
 * extraction starts; only keys listed then need a HEAD.
 */
export class TargetKeys {
  readonly #existing = new Set<string>();
  readonly #written = new Set<string>();

  private constructor(
    private readonly cos: CosClient,
    private readonly target: { bucket: string; prefix: string },
    private readonly sourceEtag: string | null,
    private readonly onConflict: Config["onConflict"],
  ) {}

  /** Lists the keys under the target prefix before anything is written. */
  static async list(
    cos: CosClient,
    target: { bucket: string; prefix: string },
    sourceEtag: string | null,
    onConflict: Config["onConflict"],
  ): Promise<TargetKeys> {
    const keys = new TargetKeys(cos, target, sourceEtag, onConflict);
    for await (const object of cos.list(target.bucket, { prefix: target.prefix })) keys.#existing.add(object.key);
    return keys;
  }

  /** What to do with `entry`, to be written at `key`. Throws `CONFLICT` with ON_CONFLICT=fail. */
  async decide(entry: PlannedEntry, key: string): Promise<Decision> {
    const existing =
      this.#written.has(key) || !this.#existing.has(key) ? null : await this.cos.head(this.target.bucket, key);
    if (!existing) return { write: true };
    const etag = this.sourceEtag;
    if (
      etag &&
      existing.metadata["cosfn-source-etag"] === etag &&
      Number(existing.metadata["cosfn-entry"]) > entry.index
    ) {
      // A previous attempt wrote a later entry of this archive with the same name: that one wins.
      return { write: false, outcome: "skipped", reason: DUPLICATE_NAME };
    }
    if (this.#alreadyWritten(entry, existing)) {
      this.#written.add(key);
      return { write: false, outcome: "already-written" };
    }
    if (this.onConflict === "skip")
      return { write: false, outcome: "skipped", reason: "the key exists (ON_CONFLICT=skip)" };
    if (this.onConflict === "fail") throw new PermanentError("CONFLICT", `${key} exists (ON_CONFLICT=fail)`);
    return { write: true };
  }

  /** Records a key this extraction wrote: writing it again (a later duplicate) needs no HEAD. */
  wrote(key: string): void {
    this.#written.add(key);
  }

  /** Whether the object a previous attempt wrote for this entry is the same entry. */
  #alreadyWritten(entry: PlannedEntry, existing: { size: number; metadata: Record<string, string> }): boolean {
    if (existing.size !== entry.declaredSize) return false;
    if (entry.crc32 !== undefined) return existing.metadata["cosfn-crc32"] === hex(entry.crc32);
    const etag = this.sourceEtag;
    return (
      etag !== null &&
      existing.metadata["cosfn-source-etag"] === etag &&
      existing.metadata["cosfn-entry"] === String(entry.index)
    );
  }
}

/** Marks an earlier entry's line as replaced by a later one of the same name (its write finished first). */
export function replacedByLater(line: ManifestEntry): void {
  line.reason = DUPLICATE_NAME;
  if (line.outcome === "written") line.outcome = "skipped";
}
