import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createReadStream, renameSync, writeSync } from "node:fs";
import {
  copyFile,
  type FileHandle,
  link,
  mkdir,
  mkdtemp,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { crc64, crc64Combine } from "@cosfn/checksums";
import { BLOCK_BYTES } from "./blocks.ts";
import { type WrittenBody, writeBodyFile } from "./body-file.ts";
import { CosError } from "./errors.ts";
import { MAX_KEYS_PER_LIST, MAX_OBJECT_BYTES, MAX_PARTS, MIN_PART_BYTES } from "./limits.ts";

/** What COS keeps about an object besides its bytes. */
export interface ObjectAttributes {
  contentType: string;
  /** Cache-Control, Content-Disposition, Content-Encoding, Content-Language, Expires, as sent. */
  headers: Record<string, string>;
  /** `x-cos-meta-*` headers, names lowercased and prefix kept. */
  meta: Record<string, string>;
  storageClass: string;
  tags: [string, string][];
  /** The canned ACL set on the object (`x-cos-acl`): `default` inherits the bucket's. */
  acl?: ObjectAcl;
}

/** The canned ACLs COS takes for an object (doc 436/30752): `default` inherits the bucket's. */
export type ObjectAcl = "default" | "private" | "public-read";
/** The canned ACLs the local cloud models for a bucket. */
export type BucketAcl = "private" | "public-read";

/** A bucket's versioning state (doc 436/19888): never configured (""), `Enabled` or `Suspended`. */
export type VersioningStatus = "" | "Enabled" | "Suspended";

export interface StoredObject extends ObjectAttributes {
  key: string;
  size: number;
  /** Without quotes: the MD5 for simple uploads, `<md5 of md5s>-<parts>` for multipart. */
  etag: string;
  crc64: string;
  lastModified: string;
  /** The files under `data/` that hold the bytes, in order: one for a simple upload, one per part for multipart. */
  segments: Segment[];
  /**
   * The version id: a generated id when written with versioning Enabled, `"null"` when Suspended, absent when
   * the bucket had never been versioned (then it is the null version too, but COS names no version).
   */
  versionId?: string;
  /** A delete marker (versioning): no bytes, no attributes that matter; GET of its key answers 404. */
  deleteMarker?: true;
  /** The last restore of an ARCHIVE or DEEP_ARCHIVE version (POST Object restore), if any. */
  restore?: RestoreState;
  /** Cross-region replication (`x-cos-replication-status`): of a source version, or `REPLICA` for a replica. */
  replicationStatus?: ReplicationStatus;
}

/** `x-cos-replication-status` (doc 436/19223): a source version's progress, or `REPLICA` on the copy. */
export type ReplicationStatus = "PENDING" | "COMPLETED" | "FAILED" | "REPLICA";

/** A restore of an archived version (doc 436/12633): when its temporary copy is readable, and until when. */
export interface RestoreState {
  tier: RestoreTier;
  days: number;
  requestedAt: string;
  /** When the temporary copy becomes readable: before it, the restore is ongoing. */
  readyAt: string;
  /** When the temporary copy is removed again (`readyAt` plus `days`). */
  expiresAt: string;
}

/** The restore modes of POST Object restore's `CASJobParameters/Tier`. */
export type RestoreTier = "Expedited" | "Standard" | "Bulk";

export interface Segment {
  file: string;
  size: number;
}

/** A byte range (inclusive) of one data file: where a read finds its bytes. */
export interface FilePiece {
  file: string;
  start: number;
  end: number;
}

export interface Bucket {
  name: string;
  region: string;
  createdAt: string;
  /** Absent: never versioned. */
  versioning?: VersioningStatus;
  /** Absent: private. */
  acl?: BucketAcl;
  /** Origin-pull rules (PUT Bucket origin), by priority; absent: none. */
  origin?: OriginRule[];
  /** Cross-region replication (PUT Bucket replication); absent: none. */
  replication?: ReplicationConfiguration;
}

/** A bucket's replication configuration (doc 436/19223). */
export interface ReplicationConfiguration {
  role: string;
  rules: ReplicationRule[];
}

export interface ReplicationRule {
  id: string;
  status: "Enabled" | "Disabled";
  prefix: string;
  /** The destination bucket (`name-appid`) and its region, from `qcs::cos:<region>::<bucket>`. */
  bucket: string;
  region: string;
  /** `Destination/StorageClass`; absent: the source version's class. */
  storageClass?: string;
  /** `DeleteMarkerReplication/Status`: whether delete markers are replicated (default Enabled). */
  deleteMarkers: boolean;
}

/** One origin-pull rule (doc 436/52813), as the local cloud keeps it. */
export interface OriginRule {
  priority: number;
  /** Only `Mirror` is served: fetch the missing object, store it, serve it. */
  type: "Mirror";
  /** `OriginCondition/Prefix`: the keys the rule covers ("" for all). */
  prefix: string;
  /** `OriginInfo/HostInfo/HostName`: `host[:port]` of the origin. */
  hostName: string;
  /** `OriginParameter/Protocol`: the scheme of the origin request (`FOLLOW`: the request's own, http here). */
  protocol: "HTTP" | "HTTPS" | "FOLLOW";
  /** `OriginParameter/FollowQueryString`: pass the request's query string on to the origin. */
  followQueryString: boolean;
}

/** A version listing's options (GET Bucket Object Versions, doc 436/35521). */
export interface ListVersionsOptions {
  prefix?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  delimiter?: string;
  maxKeys?: number;
}

export interface ListVersionsResult {
  /** Versions and delete markers, keys in COS's order, each key's newest first, with whether it is the latest. */
  versions: { object: StoredObject; isLatest: boolean }[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker: string | undefined;
  nextVersionIdMarker: string | undefined;
}

/** A version's id as listings name it: `"null"` for an object written before versioning. */
export function versionIdOf(object: StoredObject): string {
  return object.versionId ?? "null";
}

export interface ListOptions {
  prefix?: string;
  marker?: string;
  delimiter?: string;
  maxKeys?: number;
}

export interface ListResult {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextMarker: string | undefined;
}

export interface Upload {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: string;
  attributes: ObjectAttributes;
  parts: Map<number, Part>;
}

export interface Part {
  partNumber: number;
  size: number;
  etag: string;
  crc64: string;
  lastModified: string;
  file: string;
}

/** Orders keys as COS lists them: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

interface BucketState extends Bucket {
  /** The current version of each key that has one (its latest version is not a delete marker). */
  objects: Map<string, StoredObject>;
  /** The keys of `objects`, in COS's order. */
  sorted: string[];
  /** Every version of each key, delete markers included, newest first (one, the null version, when unversioned). */
  history: Map<string, StoredObject[]>;
  /** The keys of `history`, in COS's order. */
  versionKeys: string[];
}

/**
 * Buckets and objects on disk: in a data directory that survives restarts, or in a temporary one removed at
 * `close()`. Bodies are streamed to files of their own under `data/`, so memory stays flat for any object
 * size; an object points at its files only once they are complete, so a reader never sees half an object. A
 * multipart object keeps its parts as its segments, so completing an upload moves files instead of copying
 * bytes. Objects' metadata is appended to a journal per bucket (`journal.jsonl`: one line per write or
 * delete, one append per commit) and read back, compacted, at start and again while running once enough lines
 * were appended; data files nothing points at are removed at start. Every version of an object (versioning)
 * and every multipart upload in progress (its initiation, parts, completion or abort) is journaled, so both
 * survive a restart.
 */
export class ObjectStore {
  readonly root: string;
  readonly #temporary: boolean;
  readonly #buckets = new Map<string, BucketState>();
  readonly #uploads = new Map<string, Upload>();
  readonly #readers = new Map<string, number>();
  #closed = false;
  readonly #retired = new Map<string, Segment[]>();
  /** The commit in progress per object, so that commits to one key run in order and others run alongside. */
  readonly #commits = new Map<string, Promise<unknown>>();
  /** Each bucket's metadata journal, open for appending. */
  readonly #journals = new Map<string, FileHandle>();
  /** Smallest part size COS accepts for every part but the last; tests may lower it. */
  minPartBytes = MIN_PART_BYTES;
  /**
   * A bucket's journal is compacted while running once this many lines were appended since its last compaction
   * (or as many as it has live entries, if more). Tests may lower it.
   */
  compactAfterLines = 10_000;
  /** Journal appends in flight per bucket; a compaction waits for none. */
  /** Lines appended per bucket since its journal was last compacted. */
  readonly #appended = new Map<string, number>();
  /** A compaction in progress per bucket; appends wait for it. */
  readonly #compacting = new Map<string, Promise<void>>();
  readonly #compactionScheduled = new Set<string>();
  /** How many times each bucket's journal was compacted while running (for tests and logs). */
  readonly compactions = new Map<string, number>();

  private constructor(root: string, temporary: boolean) {
    this.root = root;
    this.#temporary = temporary;
  }

  /** Opens (or creates) a store in `dataDir`, or in a new temporary directory when none is given. */
  static async open(dataDir?: string): Promise<ObjectStore> {
    const root = dataDir ?? (await mkdtemp(join(tmpdir(), "cosfn-local-cloud-")));
    const store = new ObjectStore(root, dataDir === undefined);
    await store.#load();
    return store;
  }

  /** Removes the temporary directory of a store opened without a data directory. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#compacting.values()]);
    await Promise.all([...this.#journals.values()].map((journal) => journal.close()));
    this.#journals.clear();
    if (this.#temporary) await rm(this.root, { recursive: true, force: true });
  }

  // ---- buckets ----

  async createBucket(name: string, region: string, acl?: BucketAcl): Promise<Bucket> {
    if (this.#buckets.has(name)) throw new CosError("BucketAlreadyOwnedByYou", `bucket ${name} already exists`);
    const bucket: BucketState = {
      name,
      region,
      createdAt: new Date().toISOString(),
      ...(acl && acl !== "private" && { acl }),
      objects: new Map(),
      sorted: [],
      history: new Map(),
      versionKeys: [],
    };
    this.#buckets.set(name, bucket);
    await mkdir(this.#bucketDir(name), { recursive: true });
    this.#journals.set(name, await open(this.#journalFile(name), "a"));
    await this.#saveBuckets();
    return publicBucket(bucket);
  }

  /** Creates the bucket unless it exists; returns it either way. */
  async ensureBucket(name: string, region: string): Promise<Bucket> {
    const existing = this.#buckets.get(name);
    return existing ? publicBucket(existing) : this.createBucket(name, region);
  }

  getBucket(name: string): Bucket | undefined {
    const bucket = this.#buckets.get(name);
    return bucket && publicBucket(bucket);
  }

  listBuckets(): Bucket[] {
    return [...this.#buckets.values()].map(publicBucket).sort((a, b) => compareKeys(a.name, b.name));
  }

  async deleteBucket(name: string): Promise<void> {
    const bucket = this.#bucket(name);
    // Noncurrent versions and delete markers count too.
    if (bucket.history.size > 0) throw new CosError("BucketNotEmpty", "the bucket you tried to delete is not empty");
    this.#buckets.delete(name);
    await this.#journals.get(name)?.close();
    this.#journals.delete(name);
    await rm(this.#bucketDir(name), { recursive: true, force: true });
    await this.#saveBuckets();
  }

  /** PUT Bucket replication (the configuration) and DELETE Bucket replication (`undefined`). */
  async setReplication(name: string, configuration: ReplicationConfiguration | undefined): Promise<void> {
    const bucket = this.#bucket(name);
    if (configuration === undefined) delete bucket.replication;
    else bucket.replication = configuration;
    await this.#saveBuckets();
  }

  /** Sets one version's `x-cos-replication-status`. */
  async setReplicationStatus(
    bucketName: string,
    key: string,
    versionId: string,
    replicationStatus: ReplicationStatus,
  ): Promise<StoredObject> {
    return this.#update(bucketName, key, (existing) => ({ ...existing, replicationStatus }), versionId);
  }

  /** PUT Bucket origin (the rules) and DELETE Bucket origin (`undefined`). */
  async setOrigin(name: string, rules: OriginRule[] | undefined): Promise<void> {
    const bucket = this.#bucket(name);
    if (rules === undefined) delete bucket.origin;
    else bucket.origin = rules;
    await this.#saveBuckets();
  }

  /** PUT Bucket versioning: once Enabled, a bucket can be Suspended but never unversioned again. */
  async setVersioning(name: string, status: "Enabled" | "Suspended"): Promise<void> {
    this.#bucket(name).versioning = status;
    await this.#saveBuckets();
  }

  // ---- objects ----

  /** The current version of an object; `undefined` when there is none or the latest version is a delete marker. */
  head(bucketName: string, key: string): StoredObject | undefined {
    return this.#bucket(bucketName).objects.get(key);
  }

  /** The latest version of a key, which may be a delete marker. */
  latest(bucketName: string, key: string): StoredObject | undefined {
    return this.#bucket(bucketName).history.get(key)?.[0];
  }

  /** One version of a key (`"null"` names the null version), delete markers included. */
  version(bucketName: string, key: string, versionId: string): StoredObject | undefined {
    return this.#bucket(bucketName)
      .history.get(key)
      ?.find((object) => versionIdOf(object) === versionId);
  }

  /**
   * Streams `body` into a new version of the object. `expectedBytes` (Content-Length) and `contentMd5`
   * (base64) are checked before the object becomes visible; on any failure nothing changes.
   */
  async put(
    bucketName: string,
    key: string,
    body: NodeJS.ReadableStream,
    attributes: ObjectAttributes,
    options: { expectedBytes?: number; contentMd5?: string; sizeRange?: [min: number, max: number] } = {},
  ): Promise<StoredObject> {
    this.#bucket(bucketName);
    const [min, max] = options.sizeRange ?? [0, MAX_OBJECT_BYTES];
    // Straight into its file under data/: the object points at it only once it is complete and checked.
    const name = segmentPrefix(key);
    const written = await this.#writeTemp(
      body,
      Math.min(max, MAX_OBJECT_BYTES),
      join(this.#dataDir(), name),
      options.expectedBytes,
    );
    try {
      if (written.size < min) {
        throw new CosError("EntityTooSmall", `your proposed upload is smaller than the minimum of ${min} bytes`);
      }
      if (options.expectedBytes !== undefined && written.size !== options.expectedBytes) {
        throw new CosError(
          "IncompleteBody",
          `you did not provide the number of bytes specified by the Content-Length header (${written.size} of ${options.expectedBytes})`,
        );
      }
      if (
        options.contentMd5 !== undefined &&
        options.contentMd5 !== Buffer.from(written.md5, "hex").toString("base64")
      ) {
        throw new CosError("BadDigest", "the Content-MD5 you specified did not match what was received");
      }
    } catch (error) {
      await unlink(written.file).catch(() => {});
      throw error;
    }
    return this.#commit(
      bucketName,
      key,
      [{ temp: written.file, size: written.size }],
      { ...attributes, size: written.size, etag: written.md5, crc64: written.crc64 },
      name,
    );
  }

  /** Copies an object's bytes into a new object, with the source's attributes or the given ones. */
  async copy(
    source: { bucket: string; key: string; versionId?: string | undefined },
    target: { bucket: string; key: string },
    attributes: ObjectAttributes | undefined,
  ): Promise<StoredObject> {
    this.#bucket(target.bucket);
    const { object, release } = this.#retain(source.bucket, source.key, source.versionId);
    const copies: { temp: string; size: number }[] = [];
    try {
      for (const segment of object.segments) {
        const temp = this.#tempName();
        const from = join(this.#dataDir(), segment.file);
        // A hard link shares the bytes; the source can be replaced or deleted without touching the copy.
        await link(from, temp).catch(() => copyFile(from, temp));
        copies.push({ temp, size: segment.size });
      }
    } catch (error) {
      await Promise.all(copies.map((c) => unlink(c.temp).catch(() => {})));
      throw error;
    } finally {
      release();
    }
    return this.#commit(target.bucket, target.key, copies, {
      ...(attributes ?? pickAttributes(object)),
      size: object.size,
      etag: object.etag,
      crc64: object.crc64,
    });
  }

  /**
   * Opens an object for reading, optionally a byte range (inclusive). The bytes stay readable until the
   * stream ends or fails, even if the object is replaced or deleted meanwhile.
   */
  read(
    bucketName: string,
    key: string,
    range?: { start: number; end: number },
    versionId?: string,
  ): { object: StoredObject; stream: Readable } {
    const { object, pieces, release } = this.readPieces(bucketName, key, range, versionId);
    async function* bytes(): AsyncGenerator<Buffer> {
      for (const piece of pieces) {
        yield* createReadStream(piece.file, { start: piece.start, end: piece.end, highWaterMark: 1024 * 1024 });
      }
    }
    const stream = Readable.from(bytes(), { objectMode: false });
    stream.once("close", release);
    return { object, stream };
  }

  /**
   * The files that hold an object's bytes, or a byte range of them (inclusive), each with the range to read in
   * it. They stay readable until `release()`, even if the object is replaced or deleted meanwhile.
   */
  readPieces(
    bucketName: string,
    key: string,
    range?: { start: number; end: number },
    versionId?: string,
  ): { object: StoredObject; pieces: FilePiece[]; release: () => void } {
    const { object, release } = this.#retain(bucketName, key, versionId);
    const dir = this.#dataDir();
    const start = range?.start ?? 0;
    const end = range?.end ?? object.size - 1;
    const pieces: FilePiece[] = [];
    let offset = 0;
    for (const segment of object.segments) {
      const first = offset;
      const last = offset + segment.size - 1;
      offset += segment.size;
      if (segment.size === 0 || last < start || first > end) continue;
      pieces.push({
        file: join(dir, segment.file),
        start: Math.max(start, first) - first,
        end: Math.min(end, last) - first,
      });
    }
    return { object, pieces, release };
  }

  /**
   * DELETE Object, as COS does it (doc 436/7743): with a `versionId`, that version (or delete marker) is removed
   * for good; without one, an unversioned bucket removes the object, a versioning-enabled bucket adds a delete
   * marker with a new id, and a suspended one adds a delete marker with the id `"null"`, replacing the null
   * version. Says what was removed and which marker was created (neither: nothing happened).
   */
  async delete(bucketName: string, key: string, versionId?: string): Promise<DeleteOutcome> {
    const bucket = this.#bucket(bucketName);
    return this.#serialize(bucketName, key, async () => {
      if (versionId !== undefined) {
        const removed = this.version(bucketName, key, versionId);
        if (!removed) return {};
        await this.#journal(bucketName, { deleteVersion: { key, versionId } });
        for (const object of removeVersion(bucket, key, versionId)) this.#retire(object);
        return { removed };
      }
      if (!bucket.versioning) {
        const removed = bucket.objects.get(key);
        if (!removed) return {};
        await this.#journal(bucketName, { delete: key });
        for (const object of removeVersion(bucket, key, "null")) this.#retire(object);
        return { removed };
      }
      const marker: StoredObject = {
        key,
        contentType: "",
        headers: {},
        meta: {},
        storageClass: "STANDARD",
        tags: [],
        size: 0,
        etag: "",
        crc64: "0",
        segments: [],
        lastModified: new Date().toISOString(),
        versionId: bucket.versioning === "Enabled" ? newVersionId() : "null",
        deleteMarker: true,
      };
      const previous = bucket.objects.get(key);
      await this.#writeMeta(bucketName, marker);
      for (const object of addVersion(bucket, marker)) this.#retire(object);
      return { marker, ...(previous && { removed: previous }) };
    });
  }

  async setTags(bucketName: string, key: string, tags: [string, string][]): Promise<StoredObject> {
    return this.#update(bucketName, key, (existing) => ({ ...existing, tags }));
  }

  /** PUT Object acl: sets the current version's canned ACL. */
  async setAcl(bucketName: string, key: string, acl: ObjectAcl): Promise<StoredObject> {
    return this.#update(bucketName, key, (existing) => ({ ...existing, acl }));
  }

  /**
   * POST Object restore: records a restore of the current version, or of the version `versionId` names.
   * `change` gets the version as it is and returns its new restore state (it may throw to refuse).
   */
  async setRestore(
    bucketName: string,
    key: string,
    versionId: string | undefined,
    change: (existing: StoredObject) => RestoreState,
  ): Promise<StoredObject> {
    return this.#update(bucketName, key, (existing) => ({ ...existing, restore: change(existing) }), versionId);
  }

  /** Changes the current version of an object (or the version `versionId` names) in place (its tags, its ACL). */
  async #update(
    bucketName: string,
    key: string,
    change: (existing: StoredObject) => StoredObject,
    versionId?: string,
  ): Promise<StoredObject> {
    const bucket = this.#bucket(bucketName);
    return this.#serialize(bucketName, key, async () => {
      const existing = versionId === undefined ? bucket.objects.get(key) : this.version(bucketName, key, versionId);
      if (existing?.deleteMarker) throw new CosError("MethodNotAllowed", "the specified version is a delete marker");
      if (!existing) {
        throw versionId === undefined
          ? new CosError("NoSuchKey", "the specified key does not exist")
          : new CosError("NoSuchVersion", "the specified version does not exist");
      }
      const updated = change(existing);
      await this.#journal(bucketName, { update: updated });
      replaceVersion(bucket, updated);
      return updated;
    });
  }

  /**
   * GET Bucket Object Versions (doc 436/35521): every version and delete marker, keys in UTF-8 order and each
   * key's versions newest first, after `keyMarker` (or, with `versionIdMarker`, after that version of
   * `keyMarker`), grouped by `delimiter`; at most `maxKeys` entries (versions, markers and common prefixes).
   */
  listVersions(bucketName: string, options: ListVersionsOptions = {}): ListVersionsResult {
    const bucket = this.#bucket(bucketName);
    const prefix = options.prefix ?? "";
    const maxKeys = options.maxKeys ?? MAX_KEYS_PER_LIST;
    const keys = bucket.versionKeys;
    const versions: ListVersionsResult["versions"] = [];
    const commonPrefixes: string[] = [];
    let index = lowerBound(keys, prefix);
    let skipUntil: string | undefined; // within the marker key, versions up to this id were listed
    if (options.keyMarker) {
      if (options.versionIdMarker) {
        index = Math.max(index, lowerBound(keys, options.keyMarker));
        if (keys[index] === options.keyMarker) skipUntil = options.versionIdMarker;
      } else {
        index = Math.max(index, upperBound(keys, options.keyMarker));
        if (options.delimiter && options.keyMarker.endsWith(options.delimiter)) {
          while (index < keys.length && (keys[index] as string).startsWith(options.keyMarker)) index++;
        }
      }
    }
    let last: { key: string; versionId: string | undefined } | undefined;
    const truncated = () => ({
      versions,
      commonPrefixes,
      isTruncated: true,
      nextKeyMarker: last?.key,
      nextVersionIdMarker: last?.versionId,
    });
    for (; index < keys.length; index++) {
      const key = keys[index] as string;
      if (!key.startsWith(prefix)) break;
      const rest = key.slice(prefix.length);
      const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
      if (options.delimiter && cut >= 0) {
        const common = prefix + rest.slice(0, cut + options.delimiter.length);
        if (versions.length + commonPrefixes.length >= maxKeys) return truncated();
        commonPrefixes.push(common);
        last = { key: common, versionId: undefined };
        while (index + 1 < keys.length && (keys[index + 1] as string).startsWith(common)) index++;
        continue;
      }
      const history = bucket.history.get(key) ?? [];
      let start = 0;
      if (skipUntil !== undefined && key === options.keyMarker) {
        const at = history.findIndex((object) => versionIdOf(object) === skipUntil);
        start = at + 1;
      }
      for (let i = start; i < history.length; i++) {
        if (versions.length + commonPrefixes.length >= maxKeys) return truncated();
        const object = history[i] as StoredObject;
        versions.push({ object, isLatest: i === 0 });
        last = { key, versionId: versionIdOf(object) };
      }
    }
    return { versions, commonPrefixes, isTruncated: false, nextKeyMarker: undefined, nextVersionIdMarker: undefined };
  }

  list(bucketName: string, options: ListOptions = {}): ListResult {
    const bucket = this.#bucket(bucketName);
    const prefix = options.prefix ?? "";
    const maxKeys = options.maxKeys ?? MAX_KEYS_PER_LIST;
    const objects: StoredObject[] = [];
    const commonPrefixes: string[] = [];
    let index = lowerBound(bucket.sorted, prefix);
    if (options.marker) {
      index = Math.max(index, upperBound(bucket.sorted, options.marker));
      // A marker that is a common prefix stands for every key under it.
      if (options.delimiter && options.marker.endsWith(options.delimiter)) {
        while (index < bucket.sorted.length && (bucket.sorted[index] as string).startsWith(options.marker)) index++;
      }
    }
    let last: string | undefined;
    while (index < bucket.sorted.length) {
      const key = bucket.sorted[index] as string;
      if (!key.startsWith(prefix)) break;
      if (objects.length + commonPrefixes.length >= maxKeys) {
        return { objects, commonPrefixes, isTruncated: true, nextMarker: last };
      }
      const rest = key.slice(prefix.length);
      const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
      if (options.delimiter && cut >= 0) {
        const common = prefix + rest.slice(0, cut + options.delimiter.length);
        commonPrefixes.push(common);
        last = common;
        // Skip every key under this common prefix.
        while (index < bucket.sorted.length && (bucket.sorted[index] as string).startsWith(common)) index++;
        continue;
      }
      objects.push(bucket.objects.get(key) as StoredObject);
      last = key;
      index++;
    }
    return { objects, commonPrefixes, isTruncated: false, nextMarker: undefined };
  }

  // ---- multipart ----

  /** Starts a multipart upload; it is journaled, so that it survives a restart with a data directory. */
  async initiateUpload(bucketName: string, key: string, attributes: ObjectAttributes): Promise<Upload> {
    this.#bucket(bucketName);
    const uploadId = `${Date.now()}${randomBytes(12).toString("hex")}`;
    const upload: Upload = {
      uploadId,
      bucket: bucketName,
      key,
      initiated: new Date().toISOString(),
      attributes,
      parts: new Map(),
    };
    await this.#journal(bucketName, { upload: journaledUpload(upload) });
    this.#uploads.set(uploadId, upload);
    return upload;
  }

  getUpload(bucketName: string, key: string, uploadId: string): Upload {
    const upload = this.#uploads.get(uploadId);
    if (!upload || upload.bucket !== bucketName || upload.key !== key) {
      throw new CosError("NoSuchUpload", "the specified multipart upload does not exist");
    }
    return upload;
  }

  listUploads(bucketName: string, prefix = ""): Upload[] {
    return [...this.#uploads.values()]
      .filter((upload) => upload.bucket === bucketName && upload.key.startsWith(prefix))
      .sort((a, b) => compareKeys(a.key, b.key) || a.initiated.localeCompare(b.initiated));
  }

  async putPart(
    upload: Upload,
    partNumber: number,
    body: NodeJS.ReadableStream,
    options: { expectedBytes?: number; contentMd5?: string } = {},
  ): Promise<Part> {
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS) {
      throw new CosError("InvalidArgument", `partNumber must be an integer from 1 to ${MAX_PARTS}`);
    }
    // Under data/, so that the part survives a restart while its upload is journaled.
    const written = await this.#writeTemp(
      body,
      MAX_OBJECT_BYTES,
      join(this.#dataDir(), `part-${randomUUID()}`),
      options.expectedBytes,
    );
    if (
      (options.expectedBytes !== undefined && written.size !== options.expectedBytes) ||
      (options.contentMd5 !== undefined && options.contentMd5 !== Buffer.from(written.md5, "hex").toString("base64"))
    ) {
      await unlink(written.file).catch(() => {});
      throw options.expectedBytes !== undefined && written.size !== options.expectedBytes
        ? new CosError("IncompleteBody", "the part is shorter than its Content-Length")
        : new CosError("BadDigest", "the Content-MD5 you specified did not match what was received");
    }
    if (!this.#uploads.has(upload.uploadId)) {
      await unlink(written.file).catch(() => {});
      throw new CosError("NoSuchUpload", "the specified multipart upload does not exist");
    }
    const previous = upload.parts.get(partNumber);
    const part = {
      partNumber,
      size: written.size,
      etag: written.md5,
      crc64: written.crc64,
      lastModified: new Date().toISOString(),
      file: written.file,
    };
    try {
      await this.#journal(upload.bucket, { part: { uploadId: upload.uploadId, ...part, file: basename(part.file) } });
    } catch (error) {
      await unlink(written.file).catch(() => {});
      throw error;
    }
    // An abort or a completion may have ended the upload while the part was journaled.
    if (!this.#uploads.has(upload.uploadId)) {
      await unlink(written.file).catch(() => {});
      throw new CosError("NoSuchUpload", "the specified multipart upload does not exist");
    }
    upload.parts.set(partNumber, part);
    if (previous) await unlink(previous.file).catch(() => {});
    return part;
  }

  /** Joins the listed parts, in the order given, into the object; checks order, ETags and sizes as COS does. */
  async completeUpload(upload: Upload, list: { partNumber: number; etag: string }[]): Promise<StoredObject> {
    if (list.length === 0) throw new CosError("MalformedXML", "the XML you provided lists no parts");
    if (
      list.some((item, index) => index > 0 && item.partNumber <= (list[index - 1] as { partNumber: number }).partNumber)
    ) {
      throw new CosError("InvalidPartOrder", "the list of parts was not in ascending order");
    }
    const parts: Part[] = [];
    for (const item of list) {
      const part = upload.parts.get(item.partNumber);
      if (!part || part.etag !== item.etag.replace(/"/g, "").toLowerCase()) {
        throw new CosError("InvalidPart", `part ${item.partNumber} was not uploaded or its ETag does not match`);
      }
      parts.push(part);
    }
    const small = parts.slice(0, -1).find((part) => part.size < this.minPartBytes);
    if (small) {
      throw new CosError(
        "EntityTooSmall",
        `part ${small.partNumber} is smaller than the minimum of ${this.minPartBytes} bytes`,
      );
    }
    if (!this.#uploads.delete(upload.uploadId)) {
      throw new CosError("NoSuchUpload", "the specified multipart upload does not exist");
    }
    const md5s = createHash("md5");
    let crc = crc64(new Uint8Array(0));
    let size = 0;
    for (const part of parts) {
      md5s.update(Buffer.from(part.etag, "hex"));
      crc = crc64Combine(crc, part.crc64, part.size);
      size += part.size;
    }
    const used = new Set(parts);
    const unused = [...upload.parts.values()].filter((part) => !used.has(part));
    await Promise.all(unused.map((part) => unlink(part.file).catch(() => {})));
    return this.#commit(
      upload.bucket,
      upload.key,
      parts.map((part) => ({ temp: part.file, size: part.size })),
      { ...upload.attributes, size, etag: `${md5s.digest("hex")}-${parts.length}`, crc64: crc },
      segmentPrefix(upload.key),
      upload.uploadId,
    );
  }

  async abortUpload(upload: Upload): Promise<void> {
    if (!this.#uploads.has(upload.uploadId)) return;
    await this.#journal(upload.bucket, { uploadDone: upload.uploadId });
    this.#uploads.delete(upload.uploadId);
    await Promise.all([...upload.parts.values()].map((part) => unlink(part.file).catch(() => {})));
  }

  // ---- internals ----

  #bucket(name: string): BucketState {
    const bucket = this.#buckets.get(name);
    if (!bucket) throw new CosError("NoSuchBucket", "the specified bucket does not exist");
    return bucket;
  }

  #dataDir(): string {
    return join(this.root, "data");
  }

  #tempName(): string {
    return join(this.root, "tmp", randomUUID());
  }

  #bucketDir(bucket: string): string {
    return join(this.root, "buckets", hashName(bucket));
  }

  #journalFile(bucket: string): string {
    return join(this.#bucketDir(bucket), "journal.jsonl");
  }

  /** `expectedBytes`: the body's announced length, if any (a hint for the buffer a small body is copied into). */
  #writeTemp(
    body: NodeJS.ReadableStream,
    limit: number,
    file = this.#tempName(),
    expectedBytes?: number,
  ): Promise<WrittenBody> {
    return writeBodyFile(
      body,
      file,
      limit,
      () => new CosError("EntityTooLarge", `your proposed upload exceeds the maximum allowed size of ${limit} bytes`),
      expectedBytes,
    );
  }

  async #commit(
    bucketName: string,
    key: string,
    temps: { temp: string; size: number }[],
    fields: ObjectAttributes & { size: number; etag: string; crc64: string },
    prefix = segmentPrefix(key),
    completes?: string,
  ): Promise<StoredObject> {
    const segments: Segment[] = temps.map((t, i) => ({ file: i === 0 ? prefix : `${prefix}.${i + 1}`, size: t.size }));
    await Promise.all(
      temps.map((t, i) => {
        const file = join(this.#dataDir(), (segments[i] as Segment).file);
        if (t.temp === file) return undefined;
        // A small body was written synchronously (body-file.ts); its rename is too, for the same reason.
        if (t.size < BLOCK_BYTES) return renameSync(t.temp, file);
        return rename(t.temp, file);
      }),
    );
    return this.#serialize(bucketName, key, async () => {
      const bucket = this.#buckets.get(bucketName);
      if (!bucket) {
        await this.#unlinkSegments(segments);
        throw new CosError("NoSuchBucket", "the specified bucket does not exist");
      }
      // The version's id follows the bucket's versioning when the object becomes visible (doc 436/19883).
      const versionId =
        bucket.versioning === "Enabled" ? newVersionId() : bucket.versioning === "Suspended" ? "null" : undefined;
      const object: StoredObject = {
        ...fields,
        key,
        segments,
        lastModified: new Date().toISOString(),
        ...(versionId && { versionId }),
      };
      // A completed upload ends in the same journal line as its object begins.
      await this.#journal(bucketName, completes ? { put: object, completes } : { put: object });
      for (const replaced of addVersion(bucket, object)) this.#retire(replaced);
      return object;
    });
  }

  #unlinkSegments(segments: Segment[]): Promise<unknown> {
    return Promise.all(segments.map((segment) => unlink(join(this.#dataDir(), segment.file)).catch(() => {})));
  }

  #writeMeta(bucketName: string, object: StoredObject): Promise<void> {
    return this.#journal(bucketName, { put: object });
  }

  /**
   * Appends one record to the bucket's journal: a single synchronous write (a line is a few hundred bytes: a round
   * trip to libuv's thread pool cost more than writing it), so a crash loses at most a torn last line, and no
   * append is ever in flight when a compaction starts.
   */
  async #journal(bucketName: string, record: JournalRecord): Promise<void> {
    await this.#compacting.get(bucketName);
    const journal = this.#journals.get(bucketName);
    if (!journal) throw new CosError("NoSuchBucket", "the specified bucket does not exist");
    const line = Buffer.from(`${JSON.stringify(record)}\n`);
    for (let written = 0; written < line.length; ) {
      written += writeSync(journal.fd, line, written, line.length - written);
    }
    const appended = (this.#appended.get(bucketName) ?? 0) + 1;
    this.#appended.set(bucketName, appended);
    const bucket = this.#buckets.get(bucketName);
    const live = bucket ? bucket.history.size + this.listUploads(bucketName).length : 0;
    if (appended >= Math.max(this.compactAfterLines, live)) this.#scheduleCompaction(bucketName);
  }

  /**
   * Compacts a bucket's journal while running (appends are synchronous, so none is ever half done): the state in
   * memory (every version, every upload in progress and its parts) is written to a new file that replaces the
   * journal; appends wait meanwhile. A macrotask later than the last append's, so that every journaled change is
   * in memory.
   */
  #scheduleCompaction(bucketName: string): void {
    if (this.#compactionScheduled.has(bucketName) || this.#compacting.has(bucketName) || this.#closed) return;
    this.#compactionScheduled.add(bucketName);
    const attempt = () => {
      if (this.#closed || !this.#buckets.has(bucketName)) {
        this.#compactionScheduled.delete(bucketName);
        return;
      }
      this.#compactionScheduled.delete(bucketName);
      const work = this.#compactNow(bucketName).finally(() => this.#compacting.delete(bucketName));
      this.#compacting.set(bucketName, work);
    };
    setImmediate(attempt);
  }

  async #compactNow(bucketName: string): Promise<void> {
    const state = this.#buckets.get(bucketName);
    const old = this.#journals.get(bucketName);
    if (!state || !old) return;
    const text = this.#snapshot(state);
    const compacted = this.#tempName();
    await writeFile(compacted, text);
    await rename(compacted, this.#journalFile(bucketName));
    await old.close();
    this.#journals.set(bucketName, await open(this.#journalFile(bucketName), "a"));
    this.#appended.set(bucketName, 0);
    this.compactions.set(bucketName, (this.compactions.get(bucketName) ?? 0) + 1);
  }

  /** A bucket's state as journal lines: each key's versions oldest first, then each upload and its parts. */
  #snapshot(state: BucketState): string {
    const lines = [...state.history.values()].flatMap((history) =>
      [...history].reverse().map((put) => `${JSON.stringify({ put })}\n`),
    );
    for (const upload of this.listUploads(state.name)) {
      lines.push(`${JSON.stringify({ upload: journaledUpload(upload) })}\n`);
      for (const part of upload.parts.values()) {
        lines.push(`${JSON.stringify({ part: { uploadId: upload.uploadId, ...part, file: basename(part.file) } })}\n`);
      }
    }
    return lines.join("");
  }

  /**
   * Runs the metadata commits of one object one at a time, so that the index and the files on disk agree on its
   * last writer; commits to other objects run alongside.
   */
  #serialize<T>(bucketName: string, key: string, work: () => Promise<T>): Promise<T> {
    const id = `${bucketName}\n${key}`;
    const previous = this.#commits.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => {});
    this.#commits.set(id, settled);
    void settled.then(() => {
      if (this.#commits.get(id) === settled) this.#commits.delete(id);
    });
    return run;
  }

  #retain(bucketName: string, key: string, versionId?: string): { object: StoredObject; release: () => void } {
    const object =
      versionId === undefined ? this.#bucket(bucketName).objects.get(key) : this.version(bucketName, key, versionId);
    if (!object || object.deleteMarker) {
      throw versionId === undefined
        ? new CosError("NoSuchKey", "the specified key does not exist")
        : new CosError("NoSuchVersion", "the specified version does not exist");
    }
    const id = bodyId(object);
    this.#readers.set(id, (this.#readers.get(id) ?? 0) + 1);
    let released = false;
    return {
      object,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.#readers.get(id) ?? 1) - 1;
        if (left > 0) this.#readers.set(id, left);
        else {
          this.#readers.delete(id);
          const retired = this.#retired.get(id);
          if (retired) {
            this.#retired.delete(id);
            void this.#unlinkSegments(retired);
          }
        }
      },
    };
  }

  /** Deletes the bytes of an object nothing points at any more, once no reader holds them. */
  #retire(object: StoredObject): void {
    const id = bodyId(object);
    if (this.#readers.has(id)) this.#retired.set(id, object.segments);
    else void this.#unlinkSegments(object.segments);
  }

  async #saveBuckets(): Promise<void> {
    const temp = this.#tempName();
    await writeFile(temp, JSON.stringify([...this.#buckets.values()].map(publicBucket), null, 2));
    await rename(temp, join(this.root, "buckets.json"));
  }

  async #load(): Promise<void> {
    await rm(join(this.root, "tmp"), { recursive: true, force: true });
    await mkdir(join(this.root, "tmp"), { recursive: true });
    await mkdir(this.#dataDir(), { recursive: true });
    let buckets: Bucket[] = [];
    try {
      buckets = JSON.parse(await readFile(join(this.root, "buckets.json"), "utf8"));
    } catch (error) {
      ignoreMissing(error);
    }
    const referenced = new Set<string>();
    for (const bucket of buckets) {
      const state: BucketState = { ...bucket, objects: new Map(), sorted: [], history: new Map(), versionKeys: [] };
      await mkdir(this.#bucketDir(bucket.name), { recursive: true });
      let journal = "";
      try {
        journal = await readFile(this.#journalFile(bucket.name), "utf8");
      } catch (error) {
        ignoreMissing(error);
      }
      for (const line of journal.split("\n")) {
        let record: JournalRecord;
        try {
          record = JSON.parse(line);
        } catch {
          continue; // an empty line, or the torn last line of a crash
        }
        if ("put" in record) {
          addVersion(state, record.put);
          if (record.completes) this.#uploads.delete(record.completes);
        } else if ("upload" in record) {
          this.#uploads.set(record.upload.uploadId, { ...record.upload, parts: new Map() });
        } else if ("part" in record) {
          const { uploadId, file, ...part } = record.part;
          this.#uploads.get(uploadId)?.parts.set(part.partNumber, { ...part, file: join(this.#dataDir(), file) });
        } else if ("uploadDone" in record) this.#uploads.delete(record.uploadDone);
        else if ("update" in record) replaceVersion(state, record.update);
        else if ("deleteVersion" in record)
          removeVersion(state, record.deleteVersion.key, record.deleteVersion.versionId);
        else removeVersion(state, record.delete, "null");
      }
      for (const history of state.history.values())
        for (const object of history) for (const segment of object.segments) referenced.add(segment.file);
      this.#buckets.set(bucket.name, state);
      // An upload whose part files a crash lost is gone, as if aborted.
      for (const upload of this.listUploads(bucket.name)) {
        const files = [...upload.parts.values()].map((part) => part.file);
        const present = await Promise.all(
          files.map((file) =>
            stat(file).then(
              () => true,
              () => false,
            ),
          ),
        );
        if (present.every(Boolean)) for (const file of files) referenced.add(basename(file));
        else this.#uploads.delete(upload.uploadId);
      }
      // Compacted: one line per version that exists, each key's oldest first (so a replay rebuilds the order),
      // then the uploads in progress.
      const compacted = this.#tempName();
      await writeFile(compacted, this.#snapshot(state));
      await rename(compacted, this.#journalFile(bucket.name));
      this.#journals.set(bucket.name, await open(this.#journalFile(bucket.name), "a"));
    }
    // Bodies no object points at are left over from writes a crash interrupted.
    for (const file of await readdir(this.#dataDir())) {
      if (!referenced.has(file)) await unlink(join(this.#dataDir(), file)).catch(() => {});
    }
  }
}

/** A line of a bucket's journal: a new version, a version changed in place, a version removed, the null version removed. */
type JournalRecord =
  | { put: StoredObject; completes?: string }
  | { upload: Omit<Upload, "parts"> }
  | { part: Part & { uploadId: string } }
  | { uploadDone: string }
  | { update: StoredObject }
  | { deleteVersion: { key: string; versionId: string } }
  | { delete: string };

/** An upload as its journal line holds it (its parts have lines of their own). */
function journaledUpload({ parts: _parts, ...upload }: Upload): Omit<Upload, "parts"> {
  return upload;
}

/** What a DELETE Object did: the version it removed (or made noncurrent) and the delete marker it created. */
export interface DeleteOutcome {
  removed?: StoredObject;
  marker?: StoredObject;
}

let versionCounter = 0;

/** A new version id in COS's style: base64 of a growing number (e.g. `MTg0NDUxODMzNjA4NDM0MjY4NTE`). */
function newVersionId(): string {
  const value = BigInt(Date.now()) * 1_000_000n + BigInt(versionCounter++ % 1_000_000);
  return Buffer.from(value.toString()).toString("base64").replace(/=+$/, "");
}

/**
 * Adds a version as its key's latest: a null version replaces the previous null version (Suspended, or never
 * versioned), others are kept. Returns the versions it replaced, whose bytes may go.
 */
function addVersion(bucket: BucketState, object: StoredObject): StoredObject[] {
  const history = bucket.history.get(object.key) ?? [];
  const replaced = versionIdOf(object) === "null" ? history.filter((old) => versionIdOf(old) === "null") : [];
  const kept = replaced.length > 0 ? history.filter((old) => versionIdOf(old) !== "null") : history;
  kept.unshift(object);
  bucket.history.set(object.key, kept);
  settle(bucket, object.key);
  return replaced;
}

/** Replaces a version in place (same key and id), e.g. new tags. */
function replaceVersion(bucket: BucketState, object: StoredObject): void {
  const history = bucket.history.get(object.key);
  const at = history?.findIndex((old) => versionIdOf(old) === versionIdOf(object)) ?? -1;
  if (!history || at < 0) return;
  history[at] = object;
  settle(bucket, object.key);
}

/** Removes one version of a key; returns it (none when it did not exist). */
function removeVersion(bucket: BucketState, key: string, versionId: string): StoredObject[] {
  const history = bucket.history.get(key) ?? [];
  const removed = history.filter((old) => versionIdOf(old) === versionId);
  if (removed.length === 0) return [];
  bucket.history.set(
    key,
    history.filter((old) => versionIdOf(old) !== versionId),
  );
  settle(bucket, key);
  return removed;
}

/** Brings a key's current object and both sorted key lists in line with its versions. */
function settle(bucket: BucketState, key: string): void {
  const history = bucket.history.get(key) ?? [];
  if (history.length === 0) {
    bucket.history.delete(key);
    removeSorted(bucket.versionKeys, key);
  } else insertSortedOnce(bucket.versionKeys, key);
  const current = history[0];
  if (current && !current.deleteMarker) {
    bucket.objects.set(key, current);
    insertSortedOnce(bucket.sorted, key);
  } else if (bucket.objects.delete(key)) removeSorted(bucket.sorted, key);
}

/** A new, unique name for the first data file of an object version (further segments add `.2`, `.3`...). */
function segmentPrefix(key: string): string {
  return `${hashName(key).slice(0, 16)}-${randomUUID()}`;
}

/** The identity of an object's bytes: its first segment's file name, unique to that version. */
function bodyId(object: StoredObject): string {
  return object.segments[0]?.file ?? "";
}

function hashName(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function publicBucket({ name, region, createdAt, versioning, acl, origin, replication }: Bucket): Bucket {
  return {
    name,
    region,
    createdAt,
    ...(versioning && { versioning }),
    ...(acl && { acl }),
    ...(origin && { origin }),
    ...(replication && { replication }),
  };
}

/** What a copy with `x-cos-metadata-directive: Copy` takes from its source: not its ACL, which is not metadata. */
export function pickAttributes(object: StoredObject): ObjectAttributes {
  return {
    contentType: object.contentType,
    headers: { ...object.headers },
    meta: { ...object.meta },
    storageClass: object.storageClass,
    tags: object.tags.map(([k, v]) => [k, v]),
  };
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
}

function lowerBound(sorted: string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareKeys(sorted[mid] as string, key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function upperBound(sorted: string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareKeys(sorted[mid] as string, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function insertSortedOnce(sorted: string[], key: string): void {
  const at = lowerBound(sorted, key);
  if (sorted[at] !== key) sorted.splice(at, 0, key);
}

function removeSorted(sorted: string[], key: string): void {
  const at = lowerBound(sorted, key);
  if (sorted[at] === key) sorted.splice(at, 1);
}
