import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type CosClient, createCosClient } from "@cosfn/cos";
import { cosEvent, MAX_KEY_BYTES } from "@cosfn/events";
import { EnvReader, Logger } from "@cosfn/runtime";
import { scfContext, seedObject, storedKeys, storedText, type TestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { extractArchive, type Manifest, manifestKey } from "../src/extract.ts";
import { main_handler } from "../src/index.ts";
import { BUCKET, useTestCloud } from "./cloud.ts";

const corpus = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

const stored = (key: string) => storedText(test.cloud, BUCKET, key);
const keysUnder = (prefix: string) => storedKeys(test.cloud, BUCKET, prefix).sort();

/** Extracts `key` (already in the bucket) under `prefix`, with `cos` and the settings of `env`. */
function extract(key: string, prefix: string, env: Record<string, string> = {}, cos?: CosClient) {
  const info = test.cloud.store.head(BUCKET, key);
  return extractArchive({
    cos: cos ?? createCosClient({ region: "ap-guangzhou" }),
    source: { bucket: BUCKET, key, size: info?.size ?? null, etag: info?.etag ?? null },
    target: { bucket: BUCKET, prefix },
    config: loadConfig(new EnvReader(env)),
    functionName: "auto-decompress",
    signal: new AbortController().signal,
    log: new Logger({}, "error"),
    parallelism: 1,
  });
}

/** A client whose `writeObject` runs `after(key)` once each write has completed. */
function withHook(after: (key: string) => Promise<void>): CosClient {
  const real = createCosClient({ region: "ap-guangzhou" });
  return new Proxy(real, {
    get(target, property) {
      if (property === "writeObject") {
        return async (input: Parameters<CosClient["writeObject"]>[0]) => {
          const result = await target.writeObject(input);
          await after(input.key);
          return result;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("never destroy newer data", () => {
  it("stops with a retryable ARCHIVE_CHANGED when the archive is replaced mid-run: nothing deleted, nothing of the newer run touched", async () => {
    const key = "in/two-reads.zip";
    const prefix = "out/two-reads/";
    const manifest = manifestKey(prefix, { bucket: BUCKET, key });
    await seedObject(test.cloud, BUCKET, key, readFileSync(`${corpus}two-reads.zip`));
    const newer = Buffer.from("the newer version of the archive");
    // Once first.txt is written, the archive is replaced, and the newer version's run writes its own objects.
    const cos = withHook(async (written) => {
      if (written !== `${prefix}first.txt`) return;
      await seedObject(test.cloud, BUCKET, key, newer);
      await seedObject(test.cloud, BUCKET, `${prefix}second.txt`, Buffer.from("second, from the newer run"));
      await seedObject(test.cloud, BUCKET, manifest, Buffer.from("the newer run's manifest"));
    });
    const error = await extract(key, prefix, { ARCHIVE_PASSWORD: "cosfn-pass", DELETE_SOURCE: "true" }, cos).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "ARCHIVE_CHANGED", retryable: true });
    expect((error as Error).message).toMatch(/^in\/two-reads\.zip: the archive changed during the extraction/);
    expect(keysUnder(prefix)).toEqual([manifest, `${prefix}first.txt`, `${prefix}second.txt`].sort());
    expect(await stored(`${prefix}first.txt`)).toBe("first, from the old version");
    expect(await stored(`${prefix}second.txt`)).toBe("second, from the newer run");
    expect(await stored(manifest)).toBe("the newer run's manifest");
    // DELETE_SOURCE=true: the newer archive is kept.
    expect(await stored(key)).toBe(newer.toString());
  });

  it("deletes the archive with DELETE_SOURCE=true only while it is the version extracted", async () => {
    const key = "in/replaced-at-the-end.zip";
    const prefix = "out/replaced-at-the-end/";
    await seedObject(test.cloud, BUCKET, key, readFileSync(`${corpus}zero-byte.zip`));
    // The archive is replaced once the manifest is saved, just before the delete.
    const cos = withHook(async (written) => {
      if (written === manifestKey(prefix, { bucket: BUCKET, key })) {
        await seedObject(test.cloud, BUCKET, key, Buffer.from("newer"));
      }
    });
    const manifest = await extract(key, prefix, { DELETE_SOURCE: "true" }, cos);
    expect(manifest.counts).toMatchObject({ written: 2, failed: 0 });
    expect(await stored(key)).toBe("newer");
    // Unchanged, it is deleted.
    await seedObject(test.cloud, BUCKET, "in/kept-as-is.zip", readFileSync(`${corpus}zero-byte.zip`));
    await extract("in/kept-as-is.zip", "out/kept-as-is/", { DELETE_SOURCE: "true" });
    expect(test.cloud.store.head(BUCKET, "in/kept-as-is.zip")).toBeUndefined();
  });

  it("refuses an entry whose key would be the archive itself (TARGET_PREFIX={dir}), before anything is written", async () => {
    const key = "in/self-named.zip";
    const archive = readFileSync(`${corpus}self-named.zip`);
    await seedObject(test.cloud, BUCKET, key, archive);
    const manifest = await extract(key, "in/");
    const kept: Buffer[] = [];
    for await (const chunk of test.cloud.store.read(BUCKET, key).stream) kept.push(chunk as Buffer);
    expect(Buffer.concat(kept).equals(archive)).toBe(true);
    expect(await stored("in/other.txt")).toBe("other");
    expect(manifest.entries[0]).toMatchObject({
      name: "self-named.zip",
      outcome: "refused",
      reason: "the entry's key is the archive itself, which is never overwritten by its contents",
    });
    expect(manifest.counts).toMatchObject({ written: 1, refused: 1 });
  });

  it("extracts report.zip and report.tgz of one folder to different prefixes by default, each with its manifest", async () => {
    await seedObject(test.cloud, BUCKET, "in/report.zip", readFileSync(`${corpus}zero-byte.zip`));
    await seedObject(test.cloud, BUCKET, "in/report.tgz", readFileSync(`${corpus}sample.tgz`));
    for (const key of ["in/report.zip", "in/report.tgz"]) {
      const event = cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: BUCKET, region: "ap-guangzhou", key });
      const summary = await main_handler(event, scfContext({ time_limit_in_ms: 60_000 }));
      expect(summary.records[0]).toMatchObject({ outcome: "done", detail: { prefix: `extracted/${key}/` } });
    }
    expect(keysUnder("extracted/in/")).toEqual(
      [
        manifestKey("extracted/in/report.zip/", { bucket: BUCKET, key: "in/report.zip" }),
        "extracted/in/report.zip/empty-1.txt",
        "extracted/in/report.zip/sub/empty-2.bin",
        manifestKey("extracted/in/report.tgz/", { bucket: BUCKET, key: "in/report.tgz" }),
        "extracted/in/report.tgz/x/y.txt",
        "extracted/in/report.tgz/z.txt",
      ].sort(),
    );
  });

  it("never lets two archives share a manifest, even under one TARGET_PREFIX", async () => {
    await seedObject(test.cloud, BUCKET, "a/data.zip", readFileSync(`${corpus}zero-byte.zip`));
    await seedObject(test.cloud, BUCKET, "b/data.zip", readFileSync(`${corpus}macos.zip`));
    await extract("a/data.zip", "flat/");
    await extract("b/data.zip", "flat/");
    const manifests = keysUnder("flat/").filter((k) => k.includes(".cosfn-manifest-"));
    expect(manifests).toHaveLength(2);
    const archives = await Promise.all(manifests.map(async (k) => (JSON.parse(await stored(k)) as Manifest).archive));
    expect(archives.map((a) => a.key).sort()).toEqual(["a/data.zip", "b/data.zip"]);
  });

  it("always writes a manifest: for a truncated archive (with the error), and under a key too long for its usual name", async () => {
    await seedObject(test.cloud, BUCKET, "in/truncated.zip", readFileSync(`${corpus}truncated.zip`));
    const error = await extract("in/truncated.zip", "out/truncated/").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORRUPT_ARCHIVE" });
    const saved = JSON.parse(
      await stored(manifestKey("out/truncated/", { bucket: BUCKET, key: "in/truncated.zip" })),
    ) as Manifest;
    expect(saved).toMatchObject({ complete: false, entries: [], error: { code: "CORRUPT_ARCHIVE" } });

    // An 817-byte key: its prefix leaves room for the entries' keys, not for the manifest's usual name.
    const key = `in/${"长".repeat(270)}.zip`;
    await seedObject(test.cloud, BUCKET, key, readFileSync(`${corpus}data-descriptor.zip`));
    const event = cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: BUCKET, region: "ap-guangzhou", key });
    const summary = await main_handler(event, scfContext({ time_limit_in_ms: 60_000 }));
    expect(summary.records[0]).toMatchObject({ outcome: "done", detail: { written: 2 } });
    const prefix = `extracted/${key}/`;
    const manifest = manifestKey(prefix, { bucket: BUCKET, key });
    expect(Buffer.byteLength(`${prefix}.cosfn-manifest-0123456789abcdef.json`)).toBeGreaterThan(MAX_KEY_BYTES);
    expect(Buffer.byteLength(manifest)).toBeLessThanOrEqual(MAX_KEY_BYTES);
    expect(JSON.parse(await stored(manifest))).toMatchObject({ archive: { key }, counts: { written: 2 } });
  });
});

describe("visible outcomes", () => {
  it("logs the first five entries not written as named, with the manifest's key and how many more", async () => {
    const key = "in/traversal.zip";
    await seedObject(test.cloud, BUCKET, key, readFileSync(`${corpus}traversal.zip`));
    const lines: string[] = [];
    const info = test.cloud.store.head(BUCKET, key);
    await extractArchive({
      cos: createCosClient({ region: "ap-guangzhou" }),
      source: { bucket: BUCKET, key, size: info?.size ?? null, etag: info?.etag ?? null },
      target: { bucket: BUCKET, prefix: "out/traversal/" },
      config: loadConfig(new EnvReader({})),
      functionName: "auto-decompress",
      signal: new AbortController().signal,
      log: new Logger({}, "info", (line) => lines.push(line)),
    });
    const logged = lines
      .map((line) => JSON.parse(line))
      .find((line) => line.message === "entries not written as named");
    expect(logged).toMatchObject({
      manifest: manifestKey("out/traversal/", { bucket: BUCKET, key }),
      first: [
        "../evil.txt: skipped: unsafe name: parent-directory (..) segment",
        "../../etc/cron.d/evil: skipped: unsafe name: parent-directory (..) segment",
        "/abs/evil.txt: skipped: unsafe name: absolute path",
        "C:\\Windows\\evil.dll: skipped: unsafe name: absolute Windows path (drive letter)",
        "\\\\server\\share\\evil: skipped: unsafe name: absolute network path",
      ],
      more: 4,
    });
  });

  it('says "empty object" for a 0-byte archive, and writes its manifest', async () => {
    await seedObject(test.cloud, BUCKET, "in/empty.zip", Buffer.alloc(0));
    const event = cosEvent({
      eventName: "cos:ObjectCreated:Put",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "in/empty.zip",
    });
    const summary = await main_handler(event, scfContext({ time_limit_in_ms: 60_000 }));
    expect(summary.records[0]).toMatchObject({
      outcome: "failed",
      error: {
        code: "UNSUPPORTED_FORMAT",
        message: "in/empty.zip: an empty object (0 bytes), not an archive",
        retryable: false,
      },
    });
    const manifest = manifestKey("extracted/in/empty.zip/", { bucket: BUCKET, key: "in/empty.zip" });
    expect(JSON.parse(await stored(manifest))).toMatchObject({ entries: [], error: { code: "UNSUPPORTED_FORMAT" } });
  });
});
