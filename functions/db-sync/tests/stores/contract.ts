import { randomBytes } from "node:crypto";
import type { ProviderCase } from "@cosfn/testing";
import { expect, test } from "vitest";
import type { RetryOptions } from "../../src/stores/retry.ts";
import type {
  ChangeReason,
  ConditionalWrite,
  ObjectIndexStore,
  Observation,
  RowWrite,
} from "../../src/stores/types.ts";

/**
 * The ObjectIndexStore contract, written once and run by `testProvider` against each driver (pglite.test.ts,
 * postgres.test.ts, mysql.test.ts). Each case gets a fresh table of its own; the driver's test file drops them.
 */

export interface StoreOpenOptions {
  history?: boolean;
  /** Another table name (to test validation); default the case's table. */
  table?: string;
}

/** What a case gets: a store on a fresh table, and the driver's means to inspect and break it. */
export interface StoreSubject {
  /** A store on the case's table, history off (not migrated yet). */
  store: ObjectIndexStore;
  table: string;
  /** Another store on the case's table (another instance's pool), closed after the case. */
  open(options?: StoreOpenOptions): ObjectIndexStore;
  /** The versions recorded in `<table>_schema`. */
  schemaVersions(): Promise<number[]>;
  /** Kills, from another connection, the database connection that holds (bucket, key)'s lock now. */
  killHolder?: (table: string, bucket: string, key: string) => Promise<void>;
  /** A store whose URL has a password but reaches no server; the password is `secret`. */
  unreachable?: () => { store: ObjectIndexStore; secret: string };
}

/** What a driver's test file provides to build subjects. */
export interface StoreDriver {
  open(table: string, options: { history?: boolean }): ObjectIndexStore;
  schemaVersions(table: string): Promise<number[]>;
  /** Drops the table and its `_history` and `_schema` tables. */
  drop(table: string): Promise<void>;
  killHolder?: StoreSubject["killHolder"];
  unreachable?: StoreSubject["unreachable"];
}

/** Tracks each case's stores and tables, so that teardown closes and drops them all. */
export class SubjectFactory {
  readonly run = randomBytes(4).toString("hex");
  #count = 0;
  readonly #stores: ObjectIndexStore[] = [];
  readonly #tables: string[] = [];

  constructor(readonly driver: StoreDriver) {}

  create(): StoreSubject {
    const table = `cosfn_t${this.run}_${++this.#count}`;
    this.#tables.push(table);
    const open = (options: StoreOpenOptions = {}) => {
      const store = this.driver.open(options.table ?? table, { history: options.history ?? false });
      this.#stores.push(store);
      return store;
    };
    const subject: StoreSubject = {
      store: open(),
      table,
      open,
      schemaVersions: () => this.driver.schemaVersions(table),
    };
    if (this.driver.killHolder) subject.killHolder = this.driver.killHolder;
    if (this.driver.unreachable) {
      const unreachable = this.driver.unreachable;
      subject.unreachable = () => {
        const made = unreachable();
        this.#stores.push(made.store);
        return made;
      };
    }
    return subject;
  }

  async teardown(): Promise<void> {
    for (const store of this.#stores.splice(0)) await store.close().catch(() => {});
    for (const table of this.#tables.splice(0)) await this.driver.drop(table);
  }
}

/**
 * The URL of a database service for a test file, from `variable`: when it is unset, a skipped test says why, or,
 * under `COSFN_REQUIRE_SERVICES=1` (CI), a failing one.
 */
export function serviceUrl(variable: string, label: string): string | undefined {
  const url = process.env[variable];
  if (url !== undefined && url !== "") return url;
  if (process.env.COSFN_REQUIRE_SERVICES === "1") {
    test(`${label} is required (COSFN_REQUIRE_SERVICES=1)`, () => {
      throw new Error(`COSFN_REQUIRE_SERVICES=1 but ${variable} is not set: the ${label} suite cannot run`);
    });
  } else {
    console.warn(`${label} store tests skipped: set ${variable} to run them`);
    test.skipIf(true)(`ObjectIndexStore contract: ${label} (skipped: ${variable} is not set)`, () => {});
  }
  return undefined;
}

/**
 * `unreachable` for a network driver: a store on `url` with a password and a port where nothing listens, made
 * by `make`, short timeouts and two attempts.
 */
export function unreachableStore(
  url: string,
  make: (options: { url: string; table: string; connectTimeoutMs: number; retry: RetryOptions }) => ObjectIndexStore,
): () => { store: ObjectIndexStore; secret: string } {
  return () => {
    const secret = "s3cr3t-Pa55word";
    const parsed = new URL(url);
    parsed.password = secret;
    parsed.port = "1";
    const options = { connectTimeoutMs: 2_000, retry: { attempts: 2, baseDelayMs: 10 } };
    return { store: make({ url: parsed.toString(), table: "cosfn_unreachable", ...options }), secret };
  };
}

export const BUCKET = "examplebucket-1250000000";

/** An object as COS would report it. */
export function observation(key: string, fields: Partial<Extract<Observation, { exists: true }>> = {}) {
  return {
    exists: true as const,
    bucket: BUCKET,
    key,
    size: 1234,
    etag: "d41d8cd98f00b204e9800998ecf8427e",
    crc64: "12345678901234567890",
    contentType: "text/plain; charset=utf-8",
    lastModified: new Date("2024-05-06T07:08:09.000Z"),
    storageClass: "STANDARD",
    versionId: null,
    userMetadata: {},
    ...fields,
  };
}

export function upsert(
  key: string,
  fields: Partial<Extract<Observation, { exists: true }>> = {},
  extra: { observedAt?: Date; reason?: ChangeReason; historyId?: string } = {},
): RowWrite {
  return {
    kind: "upsert",
    observation: observation(key, fields),
    observedAt: extra.observedAt ?? new Date("2024-05-06T07:08:10.123Z"),
    reason: extra.reason ?? "created",
    ...(extra.historyId === undefined ? {} : { historyId: extra.historyId }),
  };
}

export function remove(
  key: string,
  extra: { observedAt?: Date; reason?: ChangeReason; historyId?: string } = {},
): RowWrite {
  return {
    kind: "delete",
    bucket: BUCKET,
    key,
    observedAt: extra.observedAt ?? new Date("2024-05-06T07:09:00.456Z"),
    reason: extra.reason ?? "deleted",
    ...(extra.historyId === undefined ? {} : { historyId: extra.historyId }),
  };
}

/** Writes through `withKey`, as the function does. */
export function put(store: ObjectIndexStore, write: RowWrite): Promise<void> {
  const key = write.kind === "upsert" ? write.observation.key : write.key;
  return store.withKey(BUCKET, key, async () => ({ write, result: undefined }));
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function byteOrder(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
}

/** Keys COS allows that break naive storage: 850 bytes of Chinese and of emoji, `+`, `%`, spaces, slashes, SQL. */
export const HOSTILE_KEYS: readonly string[] = [
  `${"中".repeat(283)}a`, // 849 + 1 = 850 bytes
  `${"😀".repeat(212)}ab`, // 848 + 2 = 850 bytes
  "a+b.txt",
  "a b.txt",
  "a%2Fb.txt",
  "a%",
  "a_c",
  "abc",
  "dir/",
  "dir",
  "dir/x",
  "dir//y",
  "Zebra",
  "zebra",
  "é.txt",
  "e\u0301.txt",
  "x'); DROP TABLE cos_objects; --",
  'quote"d\\back\\slash',
  "tab\there",
  "new\nline",
  "中文/文件.txt",
  "\u{10FFFF}",
];

export const storeContract: readonly ProviderCase<StoreSubject, unknown>[] = [
  {
    name: "migrate twice is harmless and records the schema version",
    async run({ store, schemaVersions }) {
      await store.migrate();
      await put(store, upsert("kept.txt"));
      await store.migrate();
      expect((await store.get(BUCKET, "kept.txt"))?.etag).toBe("d41d8cd98f00b204e9800998ecf8427e");
      expect(await schemaVersions()).toEqual([1]);
    },
  },
  {
    name: "an upsert then get returns every field exactly (dates to the millisecond)",
    async run({ store }) {
      await store.migrate();
      expect(await store.get(BUCKET, "photo.jpg")).toBeNull();
      const fields = {
        size: 9_007_199_254_740_991,
        etag: "0123456789abcdef0123456789abcdef-3",
        crc64: "18446744073709551615",
        contentType: "image/jpeg",
        lastModified: new Date("2024-02-29T23:59:59.999Z"),
        storageClass: "STANDARD_IA",
        versionId: "MTg0NDUxNTc1NjIzMTQ1MDAwODg",
        userMetadata: { author: "张三", empty: "", quote: `it's "x"; --`, emoji: "😀", "a-b": "1+1=2" },
      };
      await put(
        store,
        upsert("photo.jpg", fields, { observedAt: new Date("2024-03-01T00:00:00.001Z"), reason: "overwritten" }),
      );
      expect(await store.get(BUCKET, "photo.jpg")).toEqual({
        bucket: BUCKET,
        key: "photo.jpg",
        ...fields,
        isCurrent: true,
        deletedAt: null,
        observedAt: new Date("2024-03-01T00:00:00.001Z"),
        reason: "overwritten",
        rowVersion: 1,
      });
      await put(
        store,
        upsert(
          "photo.jpg",
          { crc64: null, contentType: null, lastModified: null, userMetadata: {} },
          { reason: "copied" },
        ),
      );
      expect(await store.get(BUCKET, "photo.jpg")).toMatchObject({
        crc64: null,
        contentType: null,
        lastModified: null,
        versionId: null,
        userMetadata: {},
        reason: "copied",
        rowVersion: 2,
      });
      expect(await store.get("otherbucket-1250000000", "photo.jpg")).toBeNull();
    },
  },
  {
    name: "a delete leaves a tombstone that list hides unless asked, and a later upsert revives the row",
    async run({ store }) {
      await store.migrate();
      await put(store, upsert("gone.txt"));
      await put(store, upsert("stays.txt"));
      const deletedAt = new Date("2024-05-06T08:00:00.250Z");
      await put(store, remove("gone.txt", { observedAt: deletedAt }));
      expect(await store.get(BUCKET, "gone.txt")).toMatchObject({
        isCurrent: false,
        deletedAt,
        observedAt: deletedAt,
        reason: "deleted",
        rowVersion: 2,
        etag: "d41d8cd98f00b204e9800998ecf8427e",
      });
      expect((await store.list(BUCKET, { limit: 10 })).map((row) => row.key)).toEqual(["stays.txt"]);
      expect((await store.list(BUCKET, { limit: 10, includeDeleted: true })).map((row) => row.key)).toEqual([
        "gone.txt",
        "stays.txt",
      ]);
      // A second delete (a duplicate event, a delete marker) keeps the first deletion time.
      await put(
        store,
        remove("gone.txt", { observedAt: new Date("2024-05-06T09:00:00.000Z"), reason: "delete-marker" }),
      );
      expect(await store.get(BUCKET, "gone.txt")).toMatchObject({ deletedAt, reason: "delete-marker", rowVersion: 3 });
      // A key never seen gets a tombstone too: a late, older put cannot be mistaken for new.
      await put(store, remove("never.txt"));
      expect(await store.get(BUCKET, "never.txt")).toMatchObject({ isCurrent: false, rowVersion: 1, size: 0 });
      await put(store, upsert("gone.txt", { etag: "new" }, { reason: "restored" }));
      expect(await store.get(BUCKET, "gone.txt")).toMatchObject({
        isCurrent: true,
        deletedAt: null,
        etag: "new",
        reason: "restored",
        rowVersion: 4,
      });
    },
  },
  {
    name: "keys of 850 bytes, +, %, spaces, trailing / and SQL are stored and listed exactly, in byte order",
    async run({ store }) {
      await store.migrate();
      const writes: ConditionalWrite[] = HOSTILE_KEYS.map((key) => ({ expectedVersion: null, write: upsert(key) }));
      expect(await store.applyBatch(writes)).toBe(HOSTILE_KEYS.length);
      for (const key of HOSTILE_KEYS) expect((await store.get(BUCKET, key))?.key).toBe(key);
      const all = (await store.list(BUCKET, { limit: 1000 })).map((row) => row.key);
      expect(all).toEqual(byteOrder(HOSTILE_KEYS));
      // Pages of 3 by `after` give the same order.
      const paged: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await store.list(BUCKET, { limit: 3, ...(after === undefined ? {} : { after }) });
        paged.push(...page.map((row) => row.key));
        if (page.length < 3) break;
        after = page.at(-1)?.key;
      }
      expect(paged).toEqual(all);
      // Prefixes are literal: % and _ are not wildcards; a trailing / is its own prefix.
      expect((await store.list(BUCKET, { prefix: "a%", limit: 100 })).map((row) => row.key)).toEqual(
        byteOrder(["a%", "a%2Fb.txt"]),
      );
      expect((await store.list(BUCKET, { prefix: "a_", limit: 100 })).map((row) => row.key)).toEqual(["a_c"]);
      expect((await store.list(BUCKET, { prefix: "dir/", limit: 100 })).map((row) => row.key)).toEqual([
        "dir/",
        "dir//y",
        "dir/x",
      ]);
      expect((await store.list(BUCKET, { prefix: "中", limit: 100 })).map((row) => row.key)).toEqual(
        byteOrder(HOSTILE_KEYS.filter((key) => key.startsWith("中"))),
      );
      expect((await store.list(BUCKET, { prefix: "dir/", after: "dir//y", limit: 100 })).map((row) => row.key)).toEqual(
        ["dir/x"],
      );
      const tooLong = `${"中".repeat(283)}ab`; // 851 bytes
      await expect(put(store, upsert(tooLong))).rejects.toMatchObject({ code: "KEY_TOO_LONG" });
    },
  },
  {
    name: "withKey serializes two holders of the same key: the second sees the first's write",
    async run({ store, open }) {
      await store.migrate();
      const other = open(); // another instance's pool
      const firstHolding = deferred();
      const release = deferred();
      let firstInside = false;
      const first = store.withKey(BUCKET, "same.txt", async (current) => {
        firstInside = true;
        expect(current).toBeNull();
        firstHolding.resolve();
        await release.promise;
        firstInside = false;
        return { write: upsert("same.txt", { etag: "first" }), result: "first" };
      });
      await firstHolding.promise;
      let secondSawFirstInside: boolean | undefined;
      const second = other.withKey(BUCKET, "same.txt", async (current) => {
        secondSawFirstInside = firstInside;
        return { write: upsert("same.txt", { etag: `after-${current?.etag}` }), result: current?.rowVersion };
      });
      // Let the second holder reach the lock while the first still holds it, then let the first finish.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(secondSawFirstInside).toBeUndefined();
      release.resolve();
      expect(await first).toBe("first");
      expect(await second).toBe(1);
      expect(secondSawFirstInside).toBe(false);
      expect(await store.get(BUCKET, "same.txt")).toMatchObject({ etag: "after-first", rowVersion: 2 });
    },
  },
  {
    name: "withKey does not serialize different keys (one holder waits on the other)",
    async run({ store }) {
      await store.migrate();
      const bHolding = deferred();
      const a = store.withKey(BUCKET, "a.txt", async () => {
        await bHolding.promise; // only resolved by the holder of b.txt, while this one holds a.txt
        return { write: upsert("a.txt"), result: "a" };
      });
      const b = store.withKey(BUCKET, "b.txt", async () => {
        bHolding.resolve();
        return { write: upsert("b.txt"), result: "b" };
      });
      expect(await within(Promise.all([a, b]), 15_000, "holders of a.txt and b.txt")).toEqual(["a", "b"]);
      expect((await store.list(BUCKET, { limit: 10 })).map((row) => row.key)).toEqual(["a.txt", "b.txt"]);
    },
  },
  {
    name: "many holders of one key on two pools each see the previous one's write",
    async run({ store, open }) {
      await store.migrate();
      const other = open();
      const seen: number[] = [];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? store : other).withKey(BUCKET, "counter", async (current) => {
            const version = current?.rowVersion ?? 0;
            seen.push(version);
            await new Promise((resolve) => setTimeout(resolve, 5));
            return { write: upsert("counter", { size: version + 1 }), result: undefined };
          }),
        ),
      );
      expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(await store.get(BUCKET, "counter")).toMatchObject({ size: 12, rowVersion: 12 });
      expect(store.connections()).toBeLessThanOrEqual(2);
      expect(other.connections()).toBeLessThanOrEqual(2);
    },
  },
  {
    name: "withKey without a write changes nothing; an error of work is thrown as is and rolls back",
    async run({ store }) {
      await store.migrate();
      expect(await store.withKey(BUCKET, "none.txt", async () => ({ result: 42 }))).toBe(42);
      expect(await store.get(BUCKET, "none.txt")).toBeNull();
      const failure = new Error("HEAD failed");
      await expect(store.withKey(BUCKET, "none.txt", async () => Promise.reject(failure))).rejects.toBe(failure);
      await expect(
        store.withKey(BUCKET, "one.txt", async () => ({ write: upsert("another.txt"), result: undefined })),
      ).rejects.toMatchObject({ code: "WRITE_KEY_MISMATCH" });
      expect(await store.list(BUCKET, { limit: 10, includeDeleted: true })).toEqual([]);
    },
  },
  {
    name: "applyBatch applies only the writes whose expectedVersion matches and returns the count",
    async run({ store }) {
      await store.migrate();
      await put(store, upsert("k1"));
      await put(store, upsert("k2"));
      await put(store, upsert("k4"));
      await put(store, remove("k5"));
      const applied = await store.applyBatch([
        { expectedVersion: 1, write: upsert("k1", { etag: "k1-new" }, { reason: "reconciled" }) },
        { expectedVersion: 5, write: upsert("k2", { etag: "k2-new" }) },
        { expectedVersion: null, write: upsert("k3", { etag: "k3-new" }) },
        { expectedVersion: null, write: upsert("k4", { etag: "k4-new" }) },
        { expectedVersion: 1, write: remove("k5", { reason: "reconciled" }) },
        { expectedVersion: 1, write: upsert("missing", { etag: "x" }) },
      ]);
      expect(applied).toBe(3);
      expect(await store.get(BUCKET, "k1")).toMatchObject({ etag: "k1-new", rowVersion: 2, reason: "reconciled" });
      expect(await store.get(BUCKET, "k2")).toMatchObject({ etag: "d41d8cd98f00b204e9800998ecf8427e", rowVersion: 1 });
      expect(await store.get(BUCKET, "k3")).toMatchObject({ etag: "k3-new", rowVersion: 1, isCurrent: true });
      expect(await store.get(BUCKET, "k4")).toMatchObject({ rowVersion: 1, etag: "d41d8cd98f00b204e9800998ecf8427e" });
      expect(await store.get(BUCKET, "k5")).toMatchObject({ rowVersion: 2, isCurrent: false, reason: "reconciled" });
      expect(await store.get(BUCKET, "missing")).toBeNull();
      expect(await store.applyBatch([])).toBe(0);
      await expect(
        store.applyBatch([
          { expectedVersion: 2, write: upsert("k1") },
          { expectedVersion: 2, write: remove("k1") },
        ]),
      ).rejects.toMatchObject({ code: "DUPLICATE_KEY_IN_BATCH" });
      // 500 new keys in one batch.
      const many = Array.from({ length: 500 }, (_, i) => ({
        expectedVersion: null,
        write: upsert(`many/${String(i).padStart(4, "0")}`),
      }));
      expect(await store.applyBatch(many)).toBe(500);
      expect(await store.applyBatch(many)).toBe(0);
      expect(await store.list(BUCKET, { prefix: "many/", limit: 1000 })).toHaveLength(500);
    },
  },
  {
    name: "a holder whose missing row a batch created meanwhile runs its work again on the row",
    async run({ store, open }) {
      await store.migrate();
      const batcher = open();
      const holding = deferred();
      const batched = deferred();
      const seen: (number | null)[] = [];
      const holder = store.withKey(BUCKET, "race.txt", async (current) => {
        seen.push(current?.rowVersion ?? null);
        if (seen.length === 1) {
          holding.resolve();
          await batched.promise;
        }
        return { write: upsert("race.txt", { etag: "from-holder" }), result: undefined };
      });
      await holding.promise;
      expect(
        await batcher.applyBatch([{ expectedVersion: null, write: upsert("race.txt", { etag: "from-batch" }) }]),
      ).toBe(1);
      batched.resolve();
      await holder;
      expect(seen).toEqual([null, 1]);
      expect(await store.get(BUCKET, "race.txt")).toMatchObject({ etag: "from-holder", rowVersion: 2 });
    },
  },
  {
    name: "purgeTombstones removes tombstones deleted before the time and returns how many",
    async run({ store }) {
      await store.migrate();
      await put(store, upsert("live.txt"));
      await put(store, upsert("old.txt"));
      await put(store, upsert("recent.txt"));
      await put(store, remove("old.txt", { observedAt: new Date("2024-01-01T00:00:00.000Z") }));
      await put(store, remove("recent.txt", { observedAt: new Date("2024-03-01T00:00:00.000Z") }));
      expect(await store.purgeTombstones(new Date("2024-02-01T00:00:00.000Z"))).toBe(1);
      expect((await store.list(BUCKET, { limit: 10, includeDeleted: true })).map((row) => row.key)).toEqual([
        "live.txt",
        "recent.txt",
      ]);
      expect(await store.purgeTombstones(new Date("2024-02-01T00:00:00.000Z"))).toBe(0);
      expect(await store.purgeTombstones(new Date("2030-01-01T00:00:00.000Z"))).toBe(1);
      expect((await store.list(BUCKET, { limit: 10, includeDeleted: true })).map((row) => row.key)).toEqual([
        "live.txt",
      ]);
    },
  },
  {
    name: "the history table gets one entry per distinct historyId (and one per write without one)",
    async run({ store, open }) {
      await expect(store.history(BUCKET, "h.txt")).rejects.toMatchObject({ code: "HISTORY_DISABLED" });
      const logged = open({ history: true });
      await logged.migrate();
      await logged.migrate();
      await put(logged, upsert("h.txt", { etag: "one" }, { historyId: "rec-1" }));
      await put(logged, upsert("h.txt", { etag: "one-again" }, { historyId: "rec-1" })); // the same record, redelivered
      await put(logged, remove("h.txt", { historyId: "rec-2" }));
      expect(await logged.applyBatch([{ expectedVersion: 3, write: upsert("h.txt", { etag: "reconciled" }) }])).toBe(1);
      expect(await logged.applyBatch([{ expectedVersion: 3, write: upsert("h.txt", { etag: "stale" }) }])).toBe(0);
      await put(logged, upsert("other.txt", { etag: "o" }, { historyId: "rec-3" }));
      const entries = await logged.history(BUCKET, "h.txt");
      expect(entries.map((entry) => [entry.historyId, entry.rowVersion, entry.etag, entry.isCurrent])).toEqual([
        ["rec-1", 1, "one", true],
        ["rec-2", 3, "one-again", false],
        [null, 4, "reconciled", true],
      ]);
      expect(entries[1]).toMatchObject({ reason: "deleted", deletedAt: new Date("2024-05-06T07:09:00.456Z") });
      expect((await logged.history(BUCKET, "other.txt")).map((entry) => entry.historyId)).toEqual(["rec-3"]);
      // The main table is the same whether or not history is on.
      expect(await store.get(BUCKET, "h.txt")).toMatchObject({ etag: "reconciled", rowVersion: 4 });
    },
  },
  {
    name: "a table name that is not a plain identifier is refused",
    run({ open }) {
      for (const table of ["objects; DROP TABLE x", "1objects", "a-b", "", "x".repeat(49), 'o"bj']) {
        expect(() => open({ table })).toThrow(expect.objectContaining({ code: "INVALID_TABLE_NAME" }));
      }
    },
  },
];

/** Cases for drivers with network connections (PostgreSQL, MySQL): PGlite has one in-process connection. */
export const connectionContract: readonly ProviderCase<StoreSubject, unknown>[] = [
  {
    name: "a connection killed while a withKey holder waits is retried without loss or duplication",
    timeout: 30_000,
    async run({ open, killHolder, table }) {
      if (!killHolder) throw new Error("the driver's test file must provide killHolder");
      const store = open({ history: true });
      await store.migrate();
      await put(store, upsert("before.txt", {}, { historyId: "rec-before" }));
      const holding = deferred();
      const killed = deferred();
      let runs = 0;
      const holder = store.withKey(BUCKET, "killed.txt", async (current) => {
        runs++;
        expect(current).toBeNull();
        if (runs === 1) {
          holding.resolve();
          await killed.promise;
        }
        return { write: upsert("killed.txt", { etag: `run-${runs}` }, { historyId: "rec-killed" }), result: runs };
      });
      await holding.promise;
      await killHolder(table, BUCKET, "killed.txt");
      killed.resolve();
      expect(await holder).toBe(2);
      expect(await store.get(BUCKET, "killed.txt")).toMatchObject({ etag: "run-2", rowVersion: 1 });
      expect((await store.history(BUCKET, "killed.txt")).map((entry) => entry.historyId)).toEqual(["rec-killed"]);
      expect(await store.get(BUCKET, "before.txt")).toMatchObject({ rowVersion: 1 });
      // The pool replaced the dead connection and stays within its size.
      await put(store, upsert("after.txt"));
      expect(store.connections()).toBeLessThanOrEqual(2);
    },
  },
  {
    name: "a server out of reach fails transiently, naming the table and never the password",
    timeout: 30_000,
    async run({ unreachable }) {
      if (!unreachable) throw new Error("the driver's test file must provide unreachable");
      const { store, secret } = unreachable();
      const error = await store.get(BUCKET, "x").then(
        () => undefined,
        (thrown: unknown) => thrown as Error & { code: string; transient: boolean },
      );
      expect(error).toMatchObject({ code: "DB_CONNECTION", transient: true, retryable: true });
      expect(error?.message).toMatch(/table cosfn_/);
      expect(error?.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    },
  },
  {
    name: "the pool opens at most poolSize (2) connections under load",
    async run({ open }) {
      const store = open();
      await store.migrate();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.withKey(BUCKET, `load/${i}`, async () => ({ write: upsert(`load/${i}`), result: undefined })),
        ),
      );
      expect(store.connections()).toBeGreaterThan(0);
      expect(store.connections()).toBeLessThanOrEqual(2);
      expect(await store.list(BUCKET, { prefix: "load/", limit: 100 })).toHaveLength(20);
    },
  },
];
