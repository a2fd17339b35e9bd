import { createCosClient } from "@cosfn/cos";
import { cosEvent, parseCosEvent } from "@cosfn/events";
import { EnvReader, Logger } from "@cosfn/runtime";
import { scfContext, seedObject, storedKeys, storedText, type TestCloud } from "@cosfn/testing";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { extractArchive, manifestKey } from "../src/extract.ts";
import { main_handler } from "../src/index.ts";
import { BUCKET, countGets, useTestCloud } from "./cloud.ts";
import { breakLocalHeader, declareSize, reverseCentralDirectory, text } from "./zip-edits.ts";

let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

const upload = (key: string, data: Uint8Array) => seedObject(test.cloud, BUCKET, key, data);
const stored = (key: string) => storedText(test.cloud, BUCKET, key);
const keysUnder = (prefix: string) => storedKeys(test.cloud, BUCKET, prefix);
/** The manifest of the archive `key` extracted under `out/<key>/`, as `extract` does. */
const manifestOf = (key: string) => manifestKey(`out/${key}/`, { bucket: BUCKET, key });

async function extract(key: string, env: Record<string, string> = {}, prefix = `out/${key}/`) {
  const cos = createCosClient({ region: "ap-guangzhou" });
  const info = test.cloud.store.head(BUCKET, key);
  return extractArchive({
    cos,
    source: { bucket: BUCKET, key, size: info?.size ?? null, etag: info?.etag ?? null },
    target: { bucket: BUCKET, prefix },
    config: loadConfig(new EnvReader(env)),
    functionName: "auto-decompress",
    signal: new AbortController().signal,
    log: new Logger({}, "error"),
  });
}

describe("extractArchive (zip)", () => {
  it("writes every file entry under the prefix with its bytes, type, marker and a manifest", async () => {
    await upload(
      "in/basic.zip",
      zipSync({
        "readme.txt": new TextEncoder().encode("hello"),
        "docs/": new Uint8Array(0),
        "docs/guide.html": [new TextEncoder().encode("<h1>guide</h1>"), { level: 9 }],
        "报告/第一章.txt": new TextEncoder().encode("中文"),
        "empty.bin": new Uint8Array(0),
        "stored.json": [new TextEncoder().encode('{"a":1}'), { level: 0 }],
      }),
    );
    const manifest = await extract("in/basic.zip");
    const prefix = "out/in/basic.zip/";
    expect(keysUnder(prefix).sort()).toEqual(
      [
        manifestOf("in/basic.zip"),
        `${prefix}docs/guide.html`,
        `${prefix}empty.bin`,
        `${prefix}readme.txt`,
        `${prefix}stored.json`,
        `${prefix}报告/第一章.txt`,
      ].sort(),
    );
    expect(await stored(`${prefix}readme.txt`)).toBe("hello");
    expect(await stored(`${prefix}报告/第一章.txt`)).toBe("中文");
    expect(await stored(`${prefix}stored.json`)).toBe('{"a":1}');
    expect(test.cloud.store.head(BUCKET, `${prefix}docs/guide.html`)).toMatchObject({
      contentType: "text/html",
      meta: { "x-cos-meta-cosfn-function": "auto-decompress" },
    });
    expect(manifest).toMatchObject({ complete: true, counts: { written: 5, skipped: 1, failed: 0 } });
    const saved = JSON.parse(await stored(manifestOf("in/basic.zip")));
    expect(saved.entries.find((e: { name: string }) => e.name === "docs/")).toMatchObject({
      outcome: "skipped",
      reason: "directory (folders are implied by keys)",
    });
    expect(saved.entries.find((e: { name: string }) => e.name === "readme.txt")).toMatchObject({
      outcome: "written",
      key: `${prefix}readme.txt`,
      size: 5,
    });
  });

  it("never writes outside the prefix: traversal names are skipped and reported, backslashes normalised", async () => {
    const before = test.cloud.store.list(BUCKET).objects.map((o) => o.key);
    await upload(
      "in/evil.zip",
      zipSync({
        "../escape.txt": new TextEncoder().encode("x"),
        "a/../../escape2.txt": new TextEncoder().encode("x"),
        "/etc/passwd": new TextEncoder().encode("x"),
        "C:\\Windows\\evil.dll": new TextEncoder().encode("x"),
        "dir\\win.txt": new TextEncoder().encode("ok"),
        "fine.txt": new TextEncoder().encode("ok"),
      }),
    );
    const manifest = await extract("in/evil.zip");
    const prefix = "out/in/evil.zip/";
    const after = test.cloud.store.list(BUCKET).objects.map((o) => o.key);
    const added = after.filter((k) => !before.includes(k));
    expect(added.sort()).toEqual(
      [manifestOf("in/evil.zip"), `${prefix}dir/win.txt`, `${prefix}fine.txt`, "in/evil.zip"].sort(),
    );
    expect(manifest.counts).toMatchObject({ written: 2, skipped: 4 });
    expect(manifest.entries.find((e) => e.name === "../escape.txt")?.reason).toBe(
      "unsafe name: parent-directory (..) segment",
    );
  });

  it("refuses a zip bomb by ratio before writing anything", async () => {
    await upload("in/bomb.zip", zipSync({ "zeros.bin": [new Uint8Array(5 * 1024 * 1024), { level: 9 }] }));
    await expect(extract("in/bomb.zip")).rejects.toMatchObject({
      code: "ARCHIVE_REFUSED",
      limit: "MAX_ENTRY_RATIO",
      retryable: false,
    });
    expect(keysUnder("out/in/bomb.zip/")).toEqual([manifestOf("in/bomb.zip")]);
  });

  it("refuses archives past the entry count, entry size and total limits", async () => {
    const many = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`f${i}.txt`, new TextEncoder().encode(`file ${i}`)]),
    );
    await upload("in/many.zip", zipSync(many));
    await expect(extract("in/many.zip", { MAX_ENTRIES: "10" })).rejects.toMatchObject({ limit: "MAX_ENTRIES" });
    await expect(extract("in/many.zip", { MAX_ENTRY_BYTES: "5" })).rejects.toMatchObject({ limit: "MAX_ENTRY_BYTES" });
    await expect(extract("in/many.zip", { MAX_TOTAL_BYTES: "50" })).rejects.toMatchObject({ limit: "MAX_TOTAL_BYTES" });
    expect(keysUnder("out/in/many.zip/")).toEqual([manifestOf("in/many.zip")]);
  });

  it("cuts off an entry that inflates past the size its header declares", async () => {
    const zip = Buffer.from(zipSync({ "liar.txt": [new TextEncoder().encode("x".repeat(1000)), { level: 9 }] }));
    // Declare 100 bytes instead of 1000, in the local header and the central directory.
    declareSize(zip, "liar.txt", 100);
    await upload("in/liar.zip", zip);
    const manifest = await extract("in/liar.zip");
    expect(manifest.entries[0]).toMatchObject({ outcome: "failed" });
    expect(manifest.entries[0]?.reason).toContain("inflates past the 100 bytes its header declares");
    expect(keysUnder("out/in/liar.zip/")).toEqual([manifestOf("in/liar.zip")]);
  });

  it("cuts off a streamed entry (above 1 MiB) that inflates past its declared size, and streams honest ones", async () => {
    const honest = Buffer.alloc(1536 * 1024, "honest ");
    const zip = Buffer.from(
      zipSync({
        "big.txt": [honest, { level: 6 }],
        "liar.bin": [new Uint8Array(2 * 1024 * 1024), { level: 9 }],
      }),
    );
    // Declare 1.5 MiB for liar.bin instead of 2 MiB, in its local header and its central-directory record.
    declareSize(zip, "liar.bin", 1536 * 1024);
    await upload("in/big-liar.zip", zip);
    const manifest = await extract("in/big-liar.zip", { MAX_ENTRY_RATIO: "100000" });
    expect(manifest.entries[1]?.reason).toContain("liar.bin: inflates past the 1572864 bytes its header declares");
    expect(keysUnder("out/in/big-liar.zip/").sort()).toEqual([
      manifestOf("in/big-liar.zip"),
      "out/in/big-liar.zip/big.txt",
    ]);
    expect(await stored("out/in/big-liar.zip/big.txt")).toBe(honest.toString());
  });

  it("reads neighbouring small entries together: 300 entries take a handful of range reads", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 300; i++) files[`d${i % 7}/f${i}.txt`] = text(1000 + ((i * 7919) % 9000), i);
    await upload("in/small-many.zip", zipSync(files));
    const { result: manifest, gets: reads } = await countGets(test, /small-many\.zip$/, () =>
      extract("in/small-many.zip"),
    );
    expect(manifest.counts).toMatchObject({ written: 300, failed: 0 });
    // The format sniff, the directory's tail and records, and one read for the entries (they span under 2 MiB).
    expect(reads).toBeLessThanOrEqual(5);
    for (const [name, bytes] of Object.entries(files)) {
      expect(await stored(`out/in/small-many.zip/${name}`)).toBe(Buffer.from(bytes).toString());
    }
  }, 60_000);

  it.each([
    ["second.txt", "read whole"],
    ["third.bin", "streamed"],
  ])(
    "fails an entry whose central-directory record points where no local header is (%s, %s), and writes the rest",
    async (misplaced) => {
      const entries = {
        "first.txt": new TextEncoder().encode("first"),
        "second.txt": new TextEncoder().encode("second"),
        "third.bin": [text(1536 * 1024, 3), { level: 0 }] as [Uint8Array, { level: 0 }],
      };
      const zip = Buffer.from(zipSync(entries));
      // The record points at the entry's local header, whose signature is gone.
      breakLocalHeader(zip, misplaced);
      const key = `in/misplaced-${misplaced}.zip`;
      await upload(key, zip);
      const manifest = await extract(key);
      const index = Object.keys(entries).indexOf(misplaced);
      expect(manifest.entries[index]).toMatchObject({ name: misplaced, outcome: "failed" });
      expect(manifest.entries[index]?.reason).toMatch(new RegExp(`^${misplaced}: no local file header at offset \\d+`));
      const written = Object.keys(entries).filter((name) => name !== misplaced);
      expect(keysUnder(`out/${key}/`).sort()).toEqual(
        [manifestOf(key), ...written.map((name) => `out/${key}/${name}`)].sort(),
      );
      expect(await stored(`out/${key}/first.txt`)).toBe("first");
    },
  );

  it("reads entries in the order their bytes lie, whatever the central directory's order, and reports them in its", async () => {
    const names = ["a.txt", "b.txt", "c.txt", "d.txt"];
    const zip = Buffer.from(zipSync(Object.fromEntries(names.map((name, i) => [name, text(3000 + i * 100, i)]))));
    // Reverse the central-directory records in place: same directory offset and size, opposite order.
    reverseCentralDirectory(zip);
    await upload("in/reordered.zip", zip);
    const { result: manifest, gets: reads } = await countGets(test, /reordered\.zip$/, () =>
      extract("in/reordered.zip"),
    );
    // The four entries lie side by side: one span, one range read for all of them.
    expect(reads).toBeLessThanOrEqual(5);
    expect(manifest.entries.map((entry) => entry.name)).toEqual([...names].reverse());
    expect(manifest.counts).toMatchObject({ written: 4, failed: 0 });
    for (const [i, name] of names.entries()) {
      expect(await stored(`out/in/reordered.zip/${name}`)).toBe(text(3000 + i * 100, i).toString());
    }
  });

  it("logs progress every few seconds while it runs: entries done of planned, bytes inflated, rates", async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 6; i++) files[`p${i}.txt`] = text(20_000, i);
    await upload("in/progress.zip", zipSync(files));
    // Each entry's upload takes 40 ms, so six entries one at a time outlast several 20 ms progress ticks.
    test.cloud.faults.add({ fault: { kind: "latency", ms: 40 }, method: "PUT", pattern: /out\/in\/progress\.zip\/p/ });
    const lines: Record<string, unknown>[] = [];
    const info = test.cloud.store.head(BUCKET, "in/progress.zip");
    const manifest = await extractArchive({
      cos: createCosClient({ region: "ap-guangzhou" }),
      source: { bucket: BUCKET, key: "in/progress.zip", size: info?.size ?? null, etag: info?.etag ?? null },
      target: { bucket: BUCKET, prefix: "out/in/progress.zip/" },
      config: loadConfig(new EnvReader({})),
      functionName: "auto-decompress",
      signal: new AbortController().signal,
      log: new Logger({}, "info", (line) => lines.push(JSON.parse(line))),
      parallelism: 1,
      progressEveryMs: 20,
    });
    test.cloud.faults.clear();
    expect(manifest.counts.written).toBe(6);
    const progress = lines.filter((line) => line.message === "progress");
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (const line of progress) {
      expect(line).toMatchObject({ level: "info", entriesPlanned: 6 });
      expect(line.entriesDone).toBeLessThanOrEqual(6);
      expect(typeof line.inflatedBytes).toBe("number");
      expect(typeof line.entriesPerSecond).toBe("number");
      expect(typeof line.inflatedBytesPerSecond).toBe("number");
    }
    const done = progress.map((line) => line.entriesDone as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(done.at(-1)).toBeGreaterThan(0);
    // Nothing is logged once the extraction has finished.
    const count = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.length).toBe(count);
  });

  it("resumes: a second run finds every entry written with the same size and CRC and rewrites none", async () => {
    const first = test.cloud.store.head(BUCKET, "out/in/basic.zip/readme.txt");
    const again = await extract("in/basic.zip");
    expect(again.counts).toMatchObject({ written: 0, "already-written": 5 });
    expect(test.cloud.store.head(BUCKET, "out/in/basic.zip/readme.txt")?.lastModified).toBe(first?.lastModified);
  });

  it("honours ON_CONFLICT for keys it did not write", async () => {
    await upload("in/conflict.zip", zipSync({ "taken.txt": new TextEncoder().encode("new") }));
    await upload("out/in/conflict.zip/taken.txt", new TextEncoder().encode("someone else's"));
    expect((await extract("in/conflict.zip", { ON_CONFLICT: "skip" })).entries[0]).toMatchObject({
      outcome: "skipped",
    });
    expect(await stored("out/in/conflict.zip/taken.txt")).toBe("someone else's");
    expect((await extract("in/conflict.zip", { ON_CONFLICT: "fail" })).entries[0]).toMatchObject({ outcome: "failed" });
    await extract("in/conflict.zip", { ON_CONFLICT: "overwrite" });
    expect(await stored("out/in/conflict.zip/taken.txt")).toBe("new");
  });

  it("gives a clear permanent failure for a non-archive with an archive suffix and for a truncated zip", async () => {
    await upload("in/fake.zip", new TextEncoder().encode("this is not a zip at all, just text"));
    await expect(extract("in/fake.zip")).rejects.toMatchObject({ code: "UNSUPPORTED_FORMAT", retryable: false });
    const whole = zipSync({ "a.txt": new TextEncoder().encode("a".repeat(5000)) });
    await upload("in/truncated.zip", whole.subarray(0, whole.length - 30));
    await expect(extract("in/truncated.zip")).rejects.toMatchObject({ code: "CORRUPT_ARCHIVE", retryable: false });
    expect(keysUnder("out/in/fake.zip/")).toEqual([manifestOf("in/fake.zip")]);
  });
});

describe("main_handler", () => {
  it("extracts an uploaded zip under extracted/{dir}{name}.{ext}/ and skips its own output", async () => {
    await upload(
      "uploads/photos.zip",
      zipSync({ "a.txt": new TextEncoder().encode("A"), "b/c.txt": new TextEncoder().encode("C") }),
    );
    const event = cosEvent({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "uploads/photos.zip",
    });
    const summary = await main_handler(event, scfContext({ time_limit_in_ms: 60_000 }));
    expect(summary).toMatchObject({
      processed: 1,
      failed: 0,
      records: [{ detail: { prefix: "extracted/uploads/photos.zip/", written: 2 } }],
    });
    expect(await stored("extracted/uploads/photos.zip/b/c.txt")).toBe("C");
    const own = cosEvent({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "extracted/uploads/photos.zip/a.zip",
    });
    expect(parseCosEvent(own)[0]?.key).toBe("extracted/uploads/photos.zip/a.zip");
    expect(await main_handler(own, scfContext())).toMatchObject({ processed: 0, skipped: 1 });
  });
});
