import { MAX_KEY_BYTES } from "@cosfn/events";

/** An archive entry's name made safe to append to the target prefix, or the reason it cannot be. */
export type EntryPath =
  | { ok: true; path: string; directory: boolean; normalized: string[] }
  | { ok: false; reason: string };

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Turns an entry name from an archive into a relative object path that can never leave the target prefix.
 * Refused (the entry is skipped and reported): control characters, absolute paths, Windows drive letters and
 * UNC paths, `..` segments, and names that are empty once normalised. Normalised, and reported in
 * `normalized`: backslashes (Windows separators) to `/`, `.` segments and empty segments dropped.
 */
export function safeEntryPath(name: string, targetPrefix = ""): EntryPath {
  if (name === "") return { ok: false, reason: "empty name" };
  if (CONTROL.test(name)) return { ok: false, reason: "control character in the name" };
  const normalized: string[] = [];
  let path = name;
  if (path.includes("\\")) {
    path = path.replaceAll("\\", "/");
    normalized.push("backslashes read as /");
  }
  if (/^[A-Za-z]:/.test(path)) return { ok: false, reason: "absolute Windows path (drive letter)" };
  if (path.startsWith("//")) return { ok: false, reason: "absolute network path" };
  if (path.startsWith("/")) return { ok: false, reason: "absolute path" };
  const directory = path.endsWith("/");
  const segments = path.split("/");
  if (segments.includes("..")) return { ok: false, reason: "parent-directory (..) segment" };
  const named = directory ? segments.slice(0, -1) : segments;
  const kept = named.filter((segment) => segment !== "" && segment !== ".");
  if (kept.length !== named.length) normalized.push("empty and . segments dropped");
  if (kept.length === 0) return { ok: false, reason: "no name left after normalisation" };
  if (/^[A-Za-z]:/.test(kept[0] as string)) return { ok: false, reason: "absolute Windows path (drive letter)" };
  const relative = kept.join("/") + (directory ? "/" : "");
  const bytes = Buffer.byteLength(targetPrefix + relative, "utf8");
  if (bytes > MAX_KEY_BYTES)
    return { ok: false, reason: `the object key would be ${bytes} bytes, over COS's ${MAX_KEY_BYTES}` };
  return { ok: true, path: relative, directory, normalized };
}
