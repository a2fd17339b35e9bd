import { EnvReader } from "@cosfn/runtime";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { parallelismFor } from "../src/extract.ts";
import { constantPrefix, targetPrefixFor } from "../src/target-prefix.ts";

describe("loadConfig", () => {
  it("has safe defaults", () => {
    expect(loadConfig(new EnvReader({}))).toEqual({
      targetBucket: undefined,
      targetPrefix: "extracted/{dir}{name}.{ext}/",
      onConflict: "overwrite",
      maxTotalBytes: 10 * 1024 ** 3,
      maxEntries: 100_000,
      maxEntryBytes: 5 * 1024 ** 3,
      maxEntryRatio: 200,
      filenameEncoding: "auto",
      archivePassword: undefined,
      skipPatterns: ["__MACOSX/", ".DS_Store"],
      deleteSource: false,
    });
  });

  it("reads every setting, sizes in 10GB style", () => {
    const config = loadConfig(
      new EnvReader({
        TARGET_BUCKET: "out-1250000000",
        TARGET_PREFIX: "unzipped/{key}/",
        ON_CONFLICT: "skip",
        MAX_TOTAL_BYTES: "2GB",
        MAX_ENTRIES: "500",
        MAX_ENTRY_BYTES: "100MB",
        MAX_ENTRY_RATIO: "50",
        FILENAME_ENCODING: "big5",
        ARCHIVE_PASSWORD: "secret",
        SKIP_PATTERNS: "Thumbs.db, .git/",
        DELETE_SOURCE: "true",
      }),
    );
    expect(config).toMatchObject({
      targetBucket: "out-1250000000",
      onConflict: "skip",
      maxTotalBytes: 2 * 1024 ** 3,
      maxEntries: 500,
      maxEntryBytes: 100 * 1024 ** 2,
      maxEntryRatio: 50,
      filenameEncoding: "big5",
      archivePassword: "secret",
      skipPatterns: ["Thumbs.db", ".git/"],
      deleteSource: true,
    });
  });

  it.each([
    [{ ON_CONFLICT: "replace" }, 'ON_CONFLICT="replace": expected one of overwrite, skip, fail'],
    [{ MAX_TOTAL_BYTES: "lots" }, 'MAX_TOTAL_BYTES="lots": expected a size like 512KB, 10MB or 2GB'],
    [
      { FILENAME_ENCODING: "latin1" },
      'FILENAME_ENCODING="latin1": expected one of auto, utf8, gb18030, big5, shift_jis, cp437',
    ],
    [{ TARGET_PREFIX: "/abs/" }, 'TARGET_PREFIX="/abs/": expected a key prefix without a leading /'],
    [{ TARGET_PREFIX: "out/../{name}/" }, 'TARGET_PREFIX="out/../{name}/"'],
  ])("refuses %j", (env, message) => {
    expect(() => loadConfig(new EnvReader(env))).toThrow(message);
  });
});

describe("targetPrefixFor", () => {
  it.each([
    ["uploads/archive.zip", "extracted/{dir}{name}/", "extracted/uploads/archive/"],
    ["archive.tar.gz", "extracted/{dir}{name}/", "extracted/archive/"],
    ["a/b/data.tgz", "{dir}{name}", "a/b/data/"],
    ["logs.gz", "out/{name}/", "out/logs/"],
    ["报告/资料.zip", "extracted/{dir}{name}/", "extracted/报告/资料/"],
    ["x/y.zip", "unzipped/{key}/", "unzipped/x/y.zip/"],
    [".zip", "extracted/{name}/", "extracted/.zip/"],
    // The default template: the extension keeps report.zip and report.tgz apart.
    ["in/report.zip", "extracted/{dir}{name}.{ext}/", "extracted/in/report.zip/"],
    ["in/report.tgz", "extracted/{dir}{name}.{ext}/", "extracted/in/report.tgz/"],
    ["in/report.tar.gz", "extracted/{dir}{name}.{ext}/", "extracted/in/report.tar.gz/"],
    ["in/report.ZIP", "{name}-{ext}", "report-ZIP/"],
  ])("%s with %s gives %s", (key, template, prefix) => {
    expect(targetPrefixFor(key, template)).toBe(prefix);
  });

  it("gives the constant part for the loop guard", () => {
    expect(constantPrefix("extracted/{dir}{name}/")).toBe("extracted/");
    expect(constantPrefix("{dir}{name}/")).toBe("");
    expect(constantPrefix("fixed/")).toBe("fixed/");
  });
});

describe("parallelismFor", () => {
  it.each([
    [64, 1],
    [128, 1],
    [256, 6],
    [512, 8],
    [3072, 8],
  ])("writes %d MB worth of entries %d at a time", (memory, entries) => {
    expect(parallelismFor(memory)).toBe(entries);
  });
});
