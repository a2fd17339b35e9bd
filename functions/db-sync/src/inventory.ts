import { createHash } from "node:crypto";
import { gunzipSync } from "node:zlib";
import type { CosClient } from "@cosfn/cos";
import { CosfnError } from "@cosfn/errors";
import type { SourceEntry } from "./reconcile.ts";

/**
 * COS Inventory (doc 436/30622) as the source of a reconcile pass, instead of listing the bucket. COS writes each
 * report into the destination bucket as
 *
 *     <destination prefix>/<appid>/<bucket>/<inventory id>/<date>/manifest.json      (and manifest.checksum)
 *     <destination prefix>/<appid>/<bucket>/<inventory id>/data/<uuid>.csv.gz        (the files the manifest names)
 *
 * The manifest says the CSV's columns (`fileSchema`, e.g. "Appid, Bucket, Key, Size, LastModifiedDate, ETag,
 * StorageClass, Crc64": the inventory configuration's optional fields) and its `files` (`key`, `size`,
 * `md5Checksum`). Every value of a line is in double quotes; the key is URL-encoded.
 */

/** The report a pass reads: where its manifest is, its files and columns, and when COS took the picture. */
export interface InventoryReport {
  bucket: string;
  manifestKey: string;
  columns: string[];
  files: { key: string; size?: number; md5?: string }[];
  /** When COS scanned the bucket (at the latest): rows observed after it are left alone. */
  snapshotAt: Date;
}

/** A report that cannot be used: permanent (a retry reads the same report), naming the object and what is wrong. */
export class InventoryError extends CosfnError {
  override readonly name: string = "InventoryError";
  constructor(bucket: string, key: string, problem: string, options: { cause?: unknown } = {}) {
    super("INVENTORY_REPORT", `COS Inventory report cos://${bucket}/${key}: ${problem}`, {
      ...options,
      retryable: false,
    });
  }
}

const REPORT_FOLDER = /^([^/]+)\/manifest\.json$/;

/**
 * The newest report under `prefix` (`<destination prefix>/<appid>/<bucket>/<inventory id>/`): the manifest.json of
 * the greatest dated folder (`20261130` and `2026-11-30T02-00Z` both sort by time), or null when there is none yet.
 */
export async function latestInventoryManifest(cos: CosClient, bucket: string, prefix: string): Promise<string | null> {
  let latest: string | null = null;
  for await (const entry of cos.list(bucket, { prefix })) {
    const folder = REPORT_FOLDER.exec(entry.key.slice(prefix.length))?.[1];
    if (folder !== undefined && folder !== "data" && (latest === null || entry.key > latest)) latest = entry.key;
  }
  return latest;
}

/**
 * When the report's scan started, at the latest: the manifest's `creationTimeStamp` when it has one (seconds or
 * milliseconds), else the report folder's date, read as midnight in Beijing time (UTC+8) for a `YYYYMMDD` folder.
 */
function snapshotTime(manifest: Record<string, unknown>, folder: string): Date | undefined {
  const stamp = Number(manifest.creationTimeStamp ?? manifest.creationTimestamp);
  if (Number.isFinite(stamp) && stamp > 0) return new Date(stamp < 1e11 ? stamp * 1000 : stamp);
  const day = /^(\d{4})(\d{2})(\d{2})$/.exec(folder);
  if (day) return new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) - 8 * 3_600_000);
  const minute = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})-(\d{2})Z$/.exec(folder);
  if (minute) {
    const [, y, m, d, h, min] = minute.map(Number) as number[];
    return new Date(Date.UTC(y as number, (m as number) - 1, d, h, min));
  }
  return undefined;
}

/** Reads and checks a manifest: a CSV report with a Key, Size and ETag column, its files, and its scan time. */
export async function readInventoryManifest(cos: CosClient, bucket: string, key: string): Promise<InventoryReport> {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse((await cos.readBuffer(bucket, key)).toString("utf8")) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof SyntaxError) throw new InventoryError(bucket, key, `not JSON (${error.message})`);
    throw error;
  }
  const format = String(manifest.fileFormat ?? "CSV");
  if (format.toUpperCase() !== "CSV") throw new InventoryError(bucket, key, `fileFormat ${format}: only CSV is read`);
  const columns = String(manifest.fileSchema ?? "")
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  for (const needed of ["Key", "Size", "ETag"]) {
    if (!columns.some((name) => name.toLowerCase() === needed.toLowerCase())) {
      throw new InventoryError(
        bucket,
        key,
        `fileSchema "${String(manifest.fileSchema ?? "")}" has no ${needed} column: add Size and ETag to the inventory's optional fields`,
      );
    }
  }
  if (!Array.isArray(manifest.files)) throw new InventoryError(bucket, key, "no files list");
  const files = (manifest.files as Record<string, unknown>[]).map((file, at) => {
    if (typeof file?.key !== "string") throw new InventoryError(bucket, key, `files[${at}].key: expected a string`);
    return {
      key: file.key,
      ...(file.size !== undefined && { size: Number(file.size) }),
      ...(typeof file.md5Checksum === "string" && { md5: file.md5Checksum.toLowerCase() }),
    };
  });
  const folder = key.split("/").at(-2) ?? "";
  const snapshotAt = snapshotTime(manifest, folder);
  if (!snapshotAt) {
    throw new InventoryError(bucket, key, "no creationTimeStamp and the folder is not a date: when was it taken?");
  }
  return { bucket, manifestKey: key, columns, files, snapshotAt };
}

/** The fields of CSV text, RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const lines: string[][] = [];
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let at = 0;
  const endLine = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== "") lines.push(fields);
    fields = [];
    field = "";
  };
  while (at < text.length) {
    const c = text[at] as string;
    if (quoted) {
      if (c === '"' && text[at + 1] === '"') {
        field += '"';
        at += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[at + 1] === "\n") at++;
      endLine();
    } else field += c;
    at++;
  }
  if (field !== "" || fields.length > 0) endLine();
  return lines;
}

/** One line of the report as a source entry, or null for a line that is not a current object. */
function entryOf(line: string[], column: (name: string) => number): SourceEntry | null {
  const value = (name: string) => {
    const at = column(name);
    return at < 0 ? undefined : line[at];
  };
  if (/^true$/i.test(value("IsDeleteMarker") ?? "") || /^false$/i.test(value("IsLatest") ?? "")) return null;
  const crc64 = value("Crc64");
  const modified = value("LastModifiedDate");
  return {
    // Percent-decoded: a literal + stays a plus (COS encodes one as %2B).
    key: decodeURIComponent(value("Key") ?? ""),
    size: Number(value("Size")),
    etag: (value("ETag") ?? "").replace(/"/g, ""),
    lastModified: modified ? new Date(modified) : new Date(Number.NaN),
    storageClass: (value("StorageClass") || "STANDARD").toUpperCase(),
    ...(crc64 && { crc64 }),
  };
}

/**
 * Every current object of the report under `prefix` and outside `excludePrefix`, in byte order of the keys' UTF-8
 * (a report's files are in no promised order, so the whole report is read and sorted: about 200 bytes of memory per
 * object). Each file is checked against the manifest's MD5 and gunzipped when it is gzip.
 */
export async function readInventoryEntries(
  cos: CosClient,
  report: InventoryReport,
  filter: { prefix: string; excludePrefix: string },
): Promise<SourceEntry[]> {
  const lower = report.columns.map((name) => name.toLowerCase());
  const column = (name: string) => lower.indexOf(name.toLowerCase());
  const entries: SourceEntry[] = [];
  for (const file of report.files) {
    const body = await cos.readBuffer(report.bucket, file.key);
    if (file.md5 && createHash("md5").update(body).digest("hex") !== file.md5) {
      throw new InventoryError(report.bucket, file.key, `its MD5 is not the manifest's ${file.md5}`);
    }
    const text = (body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body) : body).toString("utf8");
    for (const line of parseCsv(text)) {
      let entry: SourceEntry | null;
      try {
        entry = entryOf(line, column);
      } catch (error) {
        throw new InventoryError(report.bucket, file.key, "a line's key is not URL-encoded", { cause: error });
      }
      if (!entry?.key.startsWith(filter.prefix)) continue;
      if (filter.excludePrefix && entry.key.startsWith(filter.excludePrefix)) continue;
      if (!Number.isSafeInteger(entry.size) || entry.etag === "") {
        throw new InventoryError(
          report.bucket,
          file.key,
          `the line of ${JSON.stringify(entry.key)} has no Size or ETag`,
        );
      }
      entries.push(entry);
    }
  }
  const sortKeys = new Map(entries.map((entry) => [entry, Buffer.from(entry.key, "utf8")]));
  return entries.sort((a, b) => Buffer.compare(sortKeys.get(a) as Buffer, sortKeys.get(b) as Buffer));
}
