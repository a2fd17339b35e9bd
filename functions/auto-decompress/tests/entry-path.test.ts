import { posix } from "node:path";
import { describe, expect, it } from "vitest";
import { safeEntryPath } from "../src/entry-path.ts";

describe("safeEntryPath", () => {
  it.each([
    ["a.txt", "a.txt", []],
    ["dir/sub/file.bin", "dir/sub/file.bin", []],
    ["dir/", "dir/", []],
    ["报告/第一章.docx", "报告/第一章.docx", []],
    ["dir\\sub\\file.txt", "dir/sub/file.txt", ["backslashes read as /"]],
    ["a//b", "a/b", ["empty and . segments dropped"]],
    ["./a/./b", "a/b", ["empty and . segments dropped"]],
    ["a..b/c..", "a..b/c..", []],
  ])("keeps %j as %j", (name, path, normalized) => {
    expect(safeEntryPath(name)).toEqual({ ok: true, path, directory: path.endsWith("/"), normalized });
  });

  it.each([
    ["../evil.sh", "parent-directory (..) segment"],
    ["a/../../evil", "parent-directory (..) segment"],
    ["..\\..\\windows\\evil.dll", "parent-directory (..) segment"],
    ["/etc/passwd", "absolute path"],
    ["\\\\server\\share\\x", "absolute network path"],
    ["C:\\Windows\\evil.dll", "absolute Windows path (drive letter)"],
    ["c:evil", "absolute Windows path (drive letter)"],
    ["bad\u0000name", "control character in the name"],
    ["line\nbreak", "control character in the name"],
    ["", "empty name"],
    ["./", "no name left after normalisation"],
    ["./C:/x", "absolute Windows path (drive letter)"],
  ])("refuses %j: %s", (name, reason) => {
    expect(safeEntryPath(name)).toEqual({ ok: false, reason });
  });

  it("refuses a name that would make the key longer than COS allows", () => {
    expect(safeEntryPath("k".repeat(800), "extracted/archive/").ok).toBe(true);
    expect(safeEntryPath("k".repeat(840), "extracted/archive/")).toEqual({
      ok: false,
      reason: "the object key would be 858 bytes, over COS's 850",
    });
  });

  it("never yields a path that leaves the prefix, whatever the name", () => {
    const pieces = ["..", ".", "", "a", "\\", "/", "C:", "..\\", "x/..", "%2e%2e", "…"];
    for (const a of pieces)
      for (const b of pieces)
        for (const c of pieces) {
          const result = safeEntryPath(`${a}/${b}/${c}`);
          if (!result.ok) continue;
          const resolved = posix.normalize(`/prefix/${result.path}`);
          expect(resolved.startsWith("/prefix/"), `${a}/${b}/${c} -> ${result.path}`).toBe(true);
          expect(result.path).not.toMatch(/^[A-Za-z]:/);
          expect(result.path.split("/")).not.toContain("..");
        }
  });
});
