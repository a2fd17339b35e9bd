import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { ConsoleView, ConsoleViewCell, ConsoleViewData, ConsoleViewSection } from "@cosfn/local-cloud";
import { EnvReader } from "@cosfn/runtime";
import { type Config, describeDatabaseUrl, loadConfig } from "./config.ts";
import { ObjectStoreError, urlSecrets } from "./stores/errors.ts";
import { PgliteFolder } from "./stores/pglite-folder.ts";

/**
 * db-sync's view in the local web console (`cosfn dev`): the rows of its table, newest first. Loaded by `cosfn dev`
 * only, never by `src/index.ts`, so it is not in the deployed bundle.
 */

/** What the view needs from `cosfn dev`: the function's settings (serverless.yml's and its trigger's `env`). */
export interface DbSyncViewContext {
  env: Record<string, string>;
}

/** Rows shown at most, the most recently observed first. */
export const ROW_LIMIT = 200;
/** How long the view waits for an invocation holding a `pglite:<dir>` folder before saying it is busy. */
export const BUSY_WAIT_MS = 3_000;

/** The table's columns, in its order (the same on every driver). */
export const COLUMNS = [
  "bucket",
  "key",
  "size",
  "etag",
  "crc64",
  "content_type",
  "last_modified",
  "storage_class",
  "version_id",
  "user_metadata",
  "is_current",
  "deleted_at",
  "observed_at",
  "reason",
  "row_version",
] as const;

type Column = (typeof COLUMNS)[number];
type RawRow = Partial<Record<Column, unknown>>;

export function consoleView(
  ctx: DbSyncViewContext,
  options: { busyWaitMs?: number } = {},
): Pick<ConsoleView, "title" | "load"> {
  return { title: "Table rows", load: () => loadTable(ctx.env, options.busyWaitMs ?? BUSY_WAIT_MS) };
}

async function loadTable(env: Record<string, string>, busyWaitMs: number): Promise<ConsoleViewData> {
  let config: Config;
  try {
    config = loadConfig(new EnvReader(env));
  } catch (error) {
    return { sections: [noteOnly("Table rows", `db-sync's settings are not valid: ${(error as Error).message}`)] };
  }
  const title = `${config.table} (${describeDatabaseUrl(config.dbUrl)})`;
  try {
    const rows = await readRows(config, busyWaitMs);
    if (typeof rows === "string") return { sections: [noteOnly(title, rows)] };
    return {
      sections: [
        {
          title,
          note: `${rows.length < ROW_LIMIT ? `${rows.length} row${rows.length === 1 ? "" : "s"}` : `the newest ${ROW_LIMIT} rows`}, the most recently observed first; tombstones (deleted objects) have is_current false`,
          columns: [...COLUMNS],
          rows: rows.map(cells),
        },
      ],
    };
  } catch (error) {
    // A driver's message never carries the URL's password here either.
    let message = (error as Error).message;
    if (config.dbKind !== "pglite")
      for (const secret of urlSecrets(config.dbUrl)) message = message.replaceAll(secret, "***");
    return { sections: [noteOnly(title, `could not read the table: ${message}`)] };
  }
}

function noteOnly(title: string, note: string): ConsoleViewSection {
  return { title, note, columns: [], rows: [] };
}

/** The table's newest rows, or a note saying why there are none to show. */
async function readRows(config: Config, busyWaitMs: number): Promise<RawRow[] | string> {
  switch (config.dbKind) {
    case "pglite":
      return readPglite(config, busyWaitMs);
    case "postgres":
      return readPostgres(config);
    case "mysql":
      return readMysql(config);
  }
}

const NO_TABLE = (table: string) => `no table ${table} yet: db-sync creates it at its first invocation`;

function selectSql(quote: (name: string) => string, table: string, limit: string): string {
  return `SELECT ${COLUMNS.map(quote).join(", ")} FROM ${quote(table)} ORDER BY observed_at DESC, bucket, ${quote("key")} LIMIT ${limit}`;
}

/**
 * `pglite:<dir>`: opened under the folder's lock, as an invocation opens it, and given back at once. While an
 * invocation holds the folder, the view waits `busyWaitMs` at most, then says the database is busy: it never
 * breaks or stalls a running invocation.
 */
async function readPglite(config: Config, busyWaitMs: number): Promise<RawRow[] | string> {
  const dir = config.dbUrl.replace(/^pglite:/i, "");
  if (dir === "")
    return "DB_URL=pglite: keeps the table in memory, inside each invocation's process: there is nothing to show (use pglite:<dir> to keep it in a folder)";
  const path = resolve(dir);
  if (!existsSync(path)) return `no database in ${dir} yet: db-sync creates it at its first invocation`;
  const folder = new PgliteFolder(path, { waitMs: busyWaitMs });
  try {
    return await folder.use(async (db) => {
      const found = await db.query<{ found: string | null }>("SELECT to_regclass($1) AS found", [`"${config.table}"`]);
      if (!found.rows[0]?.found) return NO_TABLE(config.table);
      return (await db.query<RawRow>(selectSql(pgQuote, config.table, String(ROW_LIMIT)))).rows;
    });
  } catch (error) {
    if (error instanceof ObjectStoreError && error.code === "DB_LOCKED")
      return `the database is busy: an invocation holds ${dir} (${folder.lockPath}); reload in a moment`;
    throw error;
  } finally {
    await folder.release();
  }
}

function pgQuote(name: string): string {
  return `"${name}"`;
}

async function readPostgres(config: Config): Promise<RawRow[] | string> {
  const { default: pg } = await import("pg");
  const { tlsOptions } = await import("./resources.ts");
  const client = new pg.Client({
    connectionString: config.dbUrl,
    connectionTimeoutMillis: 5_000,
    ...tlsOptions(config.tls),
  });
  await client.connect();
  try {
    const found = await client.query("SELECT to_regclass($1) AS found", [`"${config.table}"`]);
    if (!found.rows[0]?.found) return NO_TABLE(config.table);
    return (await client.query(selectSql(pgQuote, config.table, "$1"), [ROW_LIMIT])).rows as RawRow[];
  } finally {
    await client.end();
  }
}

async function readMysql(config: Config): Promise<RawRow[] | string> {
  const { default: mysql } = await import("mysql2/promise");
  const { tlsOptions } = await import("./resources.ts");
  const { ssl } = tlsOptions(config.tls);
  const connection = await mysql.createConnection({
    uri: config.dbUrl,
    connectTimeout: 5_000,
    timezone: "Z",
    charset: "utf8mb4",
    supportBigNumbers: true,
    ...(ssl && { ssl }),
  });
  try {
    const [rows] = await connection.query(
      selectSql((name) => `\`${name}\``, config.table, "?"),
      [ROW_LIMIT],
    );
    return rows as RawRow[];
  } catch (error) {
    if ((error as { code?: string }).code === "ER_NO_SUCH_TABLE") return NO_TABLE(config.table);
    throw error;
  } finally {
    await connection.end();
  }
}

/** One row as the console's cells: numbers, booleans, ISO times, metadata as JSON, a current row's key as a link. */
function cells(row: RawRow): ConsoleViewCell[] {
  const bucket = text(row.bucket) ?? "";
  const key = text(row.key) ?? "";
  return COLUMNS.map((column): ConsoleViewCell => {
    const value = row[column];
    switch (column) {
      case "key":
        return truthy(row.is_current) ? { object: { bucket, key }, text: key } : key;
      case "size":
      case "row_version":
        return value === null || value === undefined ? null : Number(value);
      case "is_current":
        return truthy(value);
      case "user_metadata":
        return JSON.stringify(typeof value === "string" ? JSON.parse(value) : (value ?? {}));
      default:
        return text(value);
    }
  });
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === "1";
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString("utf8");
  return String(value);
}
