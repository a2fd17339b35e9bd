import { ConfigError, type EnvReader } from "@cosfn/runtime";

/** Which driver a `DB_URL` names. */
export type DatabaseKind = "postgres" | "mysql" | "pglite";

/** How the connection to the database is secured (PostgreSQL and MySQL; PGlite has no connection). */
export type DatabaseTls = "off" | "require" | "verify";

/** Every setting of db-sync, read and checked once per warm instance. */
export interface Config {
  /** The database: `postgres://` / `postgresql://`, `mysql://`, `pglite:` (in memory) or `pglite:<dir>`. */
  dbUrl: string;
  dbKind: DatabaseKind;
  /** The table mirroring the bucket: a plain identifier (letters, digits, `_`; starts with a letter or `_`). */
  table: string;
  /** Also keep an append-only history table (`<table>_history`), one row per change. */
  history: boolean;
  /** Only keys under it are mirrored (events and reconcile); empty for the whole bucket. */
  keyPrefix: string;
  tls: DatabaseTls;
  /** Connections one warm instance holds at most. */
  poolSize: number;
  /** How long a deleted key's tombstone is kept, in milliseconds. */
  tombstoneRetentionMs: number;
  /** Rows compared and repaired per `applyBatch` by reconcile. */
  reconcileBatch: number;
  /** The bucket (`name-appid`) the timer reconciles; unset, the timer does nothing. */
  reconcileBucket: string | undefined;
  /**
   * How far apart the clocks of two instances may be: reconcile changes only rows observed at least this long
   * before its listing started (a row observed later may be newer than the listing).
   */
  clockSkewMs: number;
  /** Where reconcile keeps its resume marker in `reconcileBucket` (the function's own output prefix). */
  statePrefix: string;
  /** Whether reconcile HEADs new and changed objects in the pass (`at-once`) or fills their details later. */
  reconcileDetails: "next-pass" | "at-once";
  /** What reconcile compares the table with: COS's listing, or the newest COS Inventory report. */
  reconcileSource: "listing" | "inventory";
  /** Where the inventory reports are delivered (`name-appid`, default `reconcileBucket`) and under which folder. */
  inventoryBucket: string | undefined;
  inventoryPrefix: string;
}

/** The largest pool a setting may ask for: SCF runs many instances, each holding its own pool. */
export const MAX_POOL_SIZE = 10;

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `7d`, `12h`, `30m`, `90s`, `2w` into milliseconds; `undefined` if malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!match) return undefined;
  const value = Math.round(Number(match[1]) * (UNIT_MS[(match[2] as string).toLowerCase()] as number));
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The driver a `DB_URL` names, or `undefined`. */
export function databaseKind(url: string): DatabaseKind | undefined {
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgres";
  if (/^mysql:\/\//i.test(url)) return "mysql";
  if (/^pglite:/i.test(url)) return "pglite";
  return undefined;
}

/** A URL with its password replaced by `***`, for messages: the password never reaches a log line. */
export function describeDatabaseUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)[^@/]*@/i, "$1***@");
}

const BUCKET = /^[a-z0-9][a-z0-9-]*-\d+$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

export function loadConfig(env: EnvReader): Config {
  const dbUrl = env.string("DB_URL", { required: true });
  const dbKind = databaseKind(dbUrl);
  if (!dbKind) {
    throw new ConfigError(
      "DB_URL",
      describeDatabaseUrl(dbUrl),
      "postgres://user:password@host:5432/db, mysql://user:password@host:3306/db, pglite: or pglite:<dir>",
    );
  }
  if (dbKind !== "pglite") {
    try {
      new URL(dbUrl);
    } catch {
      throw new ConfigError("DB_URL", describeDatabaseUrl(dbUrl), "a URL such as postgres://user:password@host/db");
    }
  }
  const table = env.string("DB_TABLE", { default: "cos_objects" });
  if (!IDENTIFIER.test(table)) {
    throw new ConfigError(
      "DB_TABLE",
      table,
      "an identifier of letters, digits and _ (not starting with a digit), up to 48 characters",
    );
  }
  const retention = env.string("TOMBSTONE_RETENTION", { default: "7d" });
  const tombstoneRetentionMs = parseDuration(retention);
  if (tombstoneRetentionMs === undefined) {
    throw new ConfigError("TOMBSTONE_RETENTION", retention, "a duration such as 7d, 12h, 30m or 90s");
  }
  const skew = env.string("CLOCK_SKEW", { default: "5s" });
  const clockSkewMs = parseDuration(skew);
  if (clockSkewMs === undefined) throw new ConfigError("CLOCK_SKEW", skew, "a duration such as 5s or 1m (0s for none)");
  const statePrefix = env.string("RECONCILE_STATE_PREFIX", { default: ".cosfn/db-sync/" });
  if (!statePrefix.endsWith("/") || statePrefix.startsWith("/")) {
    throw new ConfigError("RECONCILE_STATE_PREFIX", statePrefix, "a key prefix ending with / and not starting with /");
  }
  const reconcileBucket = env.optional("RECONCILE_BUCKET");
  if (reconcileBucket !== undefined && !BUCKET.test(reconcileBucket)) {
    throw new ConfigError("RECONCILE_BUCKET", reconcileBucket, "a full bucket name, name-appid");
  }
  const reconcileSource = env.oneOf("RECONCILE_SOURCE", ["listing", "inventory"], { default: "listing" });
  const inventoryBucket = env.optional("INVENTORY_BUCKET") ?? reconcileBucket;
  if (inventoryBucket !== undefined && !BUCKET.test(inventoryBucket)) {
    throw new ConfigError("INVENTORY_BUCKET", inventoryBucket, "a full bucket name, name-appid");
  }
  const inventoryPrefix = env.string("INVENTORY_PREFIX", { default: "" });
  if (reconcileSource === "inventory" && (!inventoryPrefix.endsWith("/") || inventoryPrefix.startsWith("/"))) {
    throw new ConfigError(
      "INVENTORY_PREFIX",
      inventoryPrefix,
      "with RECONCILE_SOURCE=inventory, the folder of the inventory's dated reports, <destination prefix>/<appid>/<bucket>/<inventory id>/",
    );
  }
  return {
    dbUrl,
    dbKind,
    table,
    history: env.bool("DB_HISTORY", { default: false }),
    keyPrefix: env.string("KEY_PREFIX", { default: "" }),
    tls: env.oneOf("DB_TLS", ["off", "require", "verify"], { default: "off" }),
    poolSize: env.int("DB_POOL_SIZE", { default: 2, min: 1, max: MAX_POOL_SIZE }),
    tombstoneRetentionMs,
    reconcileBatch: env.int("RECONCILE_BATCH", { default: 1000, min: 1, max: 10_000 }),
    reconcileBucket,
    clockSkewMs,
    statePrefix,
    reconcileDetails: env.oneOf("RECONCILE_DETAILS", ["next-pass", "at-once"], { default: "next-pass" }),
    reconcileSource,
    inventoryBucket,
    inventoryPrefix,
  };
}
