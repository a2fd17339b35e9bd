/** Why a row last changed. */
export type ChangeReason =
  | "created"
  | "overwritten"
  | "copied"
  | "deleted"
  | "delete-marker"
  | "restored"
  | "reconciled";

/** What COS says about a key now (a HEAD, or a listing's entry): the object as it is, or nothing. */
export type Observation =
  | {
      exists: true;
      bucket: string;
      key: string;
      size: number;
      /** Without quotes. */
      etag: string;
      crc64: string | null;
      contentType: string | null;
      lastModified: Date | null;
      storageClass: string;
      versionId: string | null;
      /** `x-cos-meta-*` values, prefix removed. */
      userMetadata: Record<string, string>;
    }
  | { exists: false; bucket: string; key: string; deleteMarker: boolean };

/** One row of the table: the object as last observed, or its tombstone. */
export interface ObjectRow {
  bucket: string;
  /** Exactly as COS has it (up to 850 bytes of UTF-8; `+` is a plus). */
  key: string;
  size: number;
  etag: string;
  crc64: string | null;
  contentType: string | null;
  lastModified: Date | null;
  storageClass: string;
  versionId: string | null;
  userMetadata: Record<string, string>;
  /** False for a tombstone: the object was deleted at `deletedAt`. */
  isCurrent: boolean;
  deletedAt: Date | null;
  /** When the function observed this state (its clock). */
  observedAt: Date;
  reason: ChangeReason;
  /** Incremented by every write of the row: what a batched, conditional write compares. */
  rowVersion: number;
}

/** What to write for one key: the observed object, or its deletion (a tombstone). */
export type RowWrite =
  | {
      kind: "upsert";
      observation: Extract<Observation, { exists: true }>;
      observedAt: Date;
      reason: ChangeReason;
      /** With `history`: the history entry's id (the event's record id); a write whose id is already there adds none. */
      historyId?: string;
    }
  | {
      kind: "delete";
      bucket: string;
      key: string;
      observedAt: Date;
      reason: ChangeReason;
      /** With `history`: the history entry's id (the event's record id); a write whose id is already there adds none. */
      historyId?: string;
    };

/** One entry of the append-only history table (`<table>_history`): the row as one write left it. */
export interface HistoryEntry extends ObjectRow {
  /** The write's `historyId`, or null for a write without one (each such write adds an entry). */
  historyId: string | null;
}

/** A write that applies only if the row is still the one read: `expectedVersion` null means "no row yet". */
export interface ConditionalWrite {
  expectedVersion: number | null;
  write: RowWrite;
}

/**
 * The table that mirrors a bucket, in PostgreSQL, MySQL/MariaDB or PGlite: one factory per driver file
 * (`createPostgresStore`, `createMysqlStore`, `createPgliteStore`), one contract suite for all.
 */
export interface ObjectIndexStore {
  readonly kind: "postgres" | "mysql" | "pglite";
  /** Creates or upgrades the table and its indexes; idempotent; records the schema version. */
  migrate(): Promise<void>;
  /**
   * Runs `work` in a transaction holding the key's lock: one holder per (bucket, key) at a time across every
   * instance and connection. `work` gets the row as it is (or null) and returns what to write, if anything, and a
   * result. A state observed from COS inside `work` is therefore never older than what an earlier holder wrote:
   * this is the ordering guarantee of db-sync (see its README).
   *
   * `work` may run more than once: again with the row as it is now when a conditional writer (`applyBatch`)
   * created or changed the row after `work` read it, and again when the transaction failed transiently (a
   * connection reset, a deadlock, a serialization failure) and is retried. Only the last run's write is kept.
   */
  withKey<T>(
    bucket: string,
    key: string,
    work: (current: ObjectRow | null) => Promise<{ write?: RowWrite; result: T }>,
  ): Promise<T>;
  get(bucket: string, key: string): Promise<ObjectRow | null>;
  /** Rows in byte order of their keys, after `after` (exclusive), tombstones only when asked for. */
  list(
    bucket: string,
    options: { prefix?: string; after?: string; limit: number; includeDeleted?: boolean },
  ): Promise<ObjectRow[]>;
  /** Applies conditional writes in one round trip where the driver can; returns how many applied. */
  applyBatch(writes: readonly ConditionalWrite[]): Promise<number>;
  /** The history entries of a key, oldest first; throws `HISTORY_DISABLED` when the store has no history. */
  history(bucket: string, key: string): Promise<HistoryEntry[]>;
  /** Removes tombstones deleted before `before`; returns how many. */
  purgeTombstones(before: Date): Promise<number>;
  /** Connections the pool holds now (for tests and benchmarks). */
  connections(): number;
  close(): Promise<void>;
}
