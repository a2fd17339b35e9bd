import { ConfigError, type EnvReader } from "@cosfn/runtime";
import { FILENAME_ENCODINGS, type FilenameEncoding } from "./entry-names.ts";
import { DEFAULT_TARGET_PREFIX } from "./target-prefix.ts";

/** Every setting of auto-decompress, read and checked once, at the first invocation. */
export interface Config {
  /** Where entries are written; `undefined` means the archive's own bucket. */
  targetBucket: string | undefined;
  /** A template with `{dir}`, `{name}`, `{ext}`, `{key}`: see targetPrefixFor. */
  targetPrefix: string;
  /** What to do when an entry's key already exists. */
  onConflict: "overwrite" | "skip" | "fail";
  /** Limits, on bytes actually inflated, not on the sizes headers claim. */
  maxTotalBytes: number;
  maxEntries: number;
  maxEntryBytes: number;
  /** Largest uncompressed / compressed ratio of one entry. */
  maxEntryRatio: number;
  filenameEncoding: FilenameEncoding;
  /** For ZipCrypto entries. */
  archivePassword: string | undefined;
  /** Entries whose path contains one of these are skipped. */
  skipPatterns: string[];
  /** Delete the archive once every entry succeeded. */
  deleteSource: boolean;
}

export function loadConfig(env: EnvReader): Config {
  const targetPrefix = env.string("TARGET_PREFIX", { default: DEFAULT_TARGET_PREFIX });
  if (targetPrefix.startsWith("/") || targetPrefix.split("/").includes("..")) {
    throw new ConfigError(
      "TARGET_PREFIX",
      targetPrefix,
      "a key prefix without a leading / or .. segments, with {dir}, {name}, {ext} or {key}",
    );
  }
  return {
    targetBucket: env.optional("TARGET_BUCKET"),
    targetPrefix,
    onConflict: env.oneOf("ON_CONFLICT", ["overwrite", "skip", "fail"], { default: "overwrite" }),
    maxTotalBytes: env.bytes("MAX_TOTAL_BYTES", { default: 10 * 1024 ** 3, min: 1 }),
    maxEntries: env.int("MAX_ENTRIES", { default: 100_000, min: 1 }),
    maxEntryBytes: env.bytes("MAX_ENTRY_BYTES", { default: 5 * 1024 ** 3, min: 1 }),
    maxEntryRatio: env.int("MAX_ENTRY_RATIO", { default: 200, min: 1 }),
    filenameEncoding: env.oneOf("FILENAME_ENCODING", FILENAME_ENCODINGS, { default: "auto" }),
    archivePassword: env.optional("ARCHIVE_PASSWORD"),
    skipPatterns: env.list("SKIP_PATTERNS", { default: ["__MACOSX/", ".DS_Store"] }),
    deleteSource: env.bool("DELETE_SOURCE", { default: false }),
  };
}
