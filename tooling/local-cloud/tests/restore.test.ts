import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { REGION, rawRequest, recordEvents, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let bucketCount = 0;
const events: unknown[] = [];
// Long enough that the checks made while a restore runs (HEAD, GET, a second restore) finish first, even under load.
const DELAYS = { Expedited: 300, Standard: 350, Bulk: 400 };

beforeAll(async () => {
  cloud = await startLocalCloud({ triggers: { retryDelaysMs: [] }, restoreDelaysMs: DELAYS });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
beforeEach(() => {
  cloud.triggers.clear();
  events.length = 0;
});

/** A new bucket with a function bound to every event of it. */
async function bucket(): Promise<{ Bucket: string; Region: string }> {
  const at = { Bucket: `restore${++bucketCount}-1250000000`, Region: REGION };
  await cos.putBucket(at);
  recordEvents(cloud, at.Bucket, events);
  return at;
}

/** What the function received, parsed as @cosfn/events parses it. */
async function received() {
  await cloud.triggers.idle();
  return events.flatMap((event) => parseCosEvent(event));
}

/** Waits until `check` holds (polling), failing after five seconds. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const restoreRequest = (Days: number, Tier: "Expedited" | "Standard" | "Bulk") => ({
  RestoreRequest: { Days, CASJobParameters: { Tier } },
});

describe("archive restore (POST Object restore, doc 436/12633)", () => {
  it("refuses GET of an ARCHIVE object with 403 InvalidObjectState until restored, while HEAD answers its metadata", async () => {
    const at = await bucket();
    await cos.putObject({ ...at, Key: "cold.txt", Body: "frozen", StorageClass: "ARCHIVE" });
    // Doc 436/7753 (GET Object): an ARCHIVE / DEEP_ARCHIVE object must be restored (POST Object restore) before
    // it can be read; until then GET answers 403 InvalidObjectState.
    const refused = await rejection(cos.getObject({ ...at, Key: "cold.txt" }));
    expect(refused.statusCode).toBe(403);
    expect(refused.code).toBe("InvalidObjectState");
    const head = await cos.headObject({ ...at, Key: "cold.txt" });
    expect(head.headers?.["x-cos-storage-class"]).toBe("ARCHIVE");
    expect(head.headers?.["x-cos-restore"]).toBeUndefined();
    // A STANDARD object needs no restore: POST restore is refused with InvalidObjectState, as for S3.
    await cos.putObject({ ...at, Key: "warm.txt", Body: "warm" });
    const notArchived = await rejection(
      cos.restoreObject({ ...at, Key: "warm.txt", ...restoreRequest(1, "Standard") }),
    );
    expect(notArchived.statusCode).toBe(403);
    expect(notArchived.code).toBe("InvalidObjectState");
    const missing = await rejection(cos.restoreObject({ ...at, Key: "none.txt", ...restoreRequest(1, "Standard") }));
    expect(missing.code).toBe("NoSuchKey");
  });

  it("answers 202 and emits cos:ObjectRestore:Post; after the tier's delay the copy is readable, x-cos-restore shows its expiry and cos:ObjectRestore:Completed is emitted", async () => {
    const at = await bucket();
    await cos.putObject({ ...at, Key: "logs/2024.gz", Body: "archived bytes", StorageClass: "ARCHIVE" });
    events.length = 0;
    const started = Date.now();
    // Doc 436/12633: the body is RestoreRequest (Days, CASJobParameters/Tier: Expedited, Standard or Bulk);
    // "None - restore succeeded - 202 Accepted".
    const answer = await cos.restoreObject({ ...at, Key: "logs/2024.gz", ...restoreRequest(3, "Expedited") });
    expect((answer as { statusCode?: number }).statusCode).toBe(202);
    // Doc 436/7745 (HEAD Object): x-cos-restore is ongoing-request="true" while restoring.
    const ongoing = await cos.headObject({ ...at, Key: "logs/2024.gz" });
    expect(ongoing.headers?.["x-cos-restore"]).toBe('ongoing-request="true"');
    expect((await rejection(cos.getObject({ ...at, Key: "logs/2024.gz" }))).code).toBe("InvalidObjectState");
    // Doc 436/12633: a second request while the restore runs is 409 RestoreAlreadyInProgress.
    const again = await rejection(cos.restoreObject({ ...at, Key: "logs/2024.gz", ...restoreRequest(3, "Expedited") }));
    expect(again.statusCode).toBe(409);
    expect(again.code).toBe("RestoreAlreadyInProgress");

    const [post] = await received();
    expect(post).toMatchObject({
      eventName: "cos:ObjectRestore:Post",
      kind: "restore",
      bucket: at.Bucket,
      key: "logs/2024.gz",
      size: 14,
      storageClass: "ARCHIVE",
    });

    await until(() => events.length === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAYS.Expedited - 5);
    const records = await received();
    expect(records[1]).toMatchObject({
      eventName: "cos:ObjectRestore:Completed",
      kind: "restore",
      key: "logs/2024.gz",
      size: 14,
      storageClass: "ARCHIVE",
    });
    const restored = await cos.headObject({ ...at, Key: "logs/2024.gz" });
    const header = restored.headers?.["x-cos-restore"] as string;
    expect(header).toMatch(
      /^ongoing-request="false", expiry-date="[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} [\d:]{8} GMT"$/,
    );
    const expiry = Date.parse(/expiry-date="([^"]+)"/.exec(header)?.[1] ?? "");
    expect(expiry - started).toBeGreaterThan(3 * 86_400_000 - 60_000);
    expect(expiry - started).toBeLessThan(3 * 86_400_000 + 60_000);
    const body = await cos.getObject({ ...at, Key: "logs/2024.gz" });
    expect(body.Body.toString()).toBe("archived bytes");
    expect(body.headers?.["x-cos-storage-class"]).toBe("ARCHIVE");

    // Doc 436/12633: a restore of a copy already readable extends it: 200, no new restore, no new event.
    const extended = await cos.restoreObject({ ...at, Key: "logs/2024.gz", ...restoreRequest(7, "Bulk") });
    expect((extended as { statusCode?: number }).statusCode).toBe(200);
    const newExpiry = Date.parse(
      /expiry-date="([^"]+)"/.exec(
        (await cos.headObject({ ...at, Key: "logs/2024.gz" })).headers?.["x-cos-restore"] as string,
      )?.[1] ?? "",
    );
    expect(newExpiry - Date.now()).toBeGreaterThan(6 * 86_400_000);
    await new Promise((resolve) => setTimeout(resolve, DELAYS.Bulk + 20));
    expect(await received()).toHaveLength(2);
  });

  it("maps each tier to its delay, restores DEEP_ARCHIVE objects and a version named by versionId", async () => {
    const at = await bucket();
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Enabled" } });
    const first = await cos.putObject({ ...at, Key: "deep.bin", Body: "v1", StorageClass: "DEEP_ARCHIVE" });
    await cos.putObject({ ...at, Key: "deep.bin", Body: "v2-longer", StorageClass: "DEEP_ARCHIVE" });
    const VersionId = first.headers?.["x-cos-version-id"] as string;
    events.length = 0;
    const started = Date.now();
    const answer = await cos.restoreObject({ ...at, Key: "deep.bin", VersionId, ...restoreRequest(1, "Bulk") });
    expect((answer as { statusCode?: number }).statusCode).toBe(202);
    await until(() => events.length === 2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELAYS.Bulk - 5);
    const records = await received();
    expect(records.map((record) => [record.eventName, record.versionId, record.size, record.storageClass])).toEqual([
      ["cos:ObjectRestore:Post", VersionId, 2, "DEEP_ARCHIVE"],
      ["cos:ObjectRestore:Completed", VersionId, 2, "DEEP_ARCHIVE"],
    ]);
    expect((await cos.getObject({ ...at, Key: "deep.bin", VersionId })).Body.toString()).toBe("v1");
    // The current version was not restored.
    expect((await rejection(cos.getObject({ ...at, Key: "deep.bin" }))).code).toBe("InvalidObjectState");
  });

  it("refuses a RestoreRequest without a positive Days or with an unknown Tier (MalformedXML), and records cos:PostObjectRestore", async () => {
    const at = await bucket();
    await cos.putObject({ ...at, Key: "a", Body: "x", StorageClass: "ARCHIVE" });
    for (const body of [
      "<RestoreRequest><CASJobParameters><Tier>Standard</Tier></CASJobParameters></RestoreRequest>",
      "<RestoreRequest><Days>0</Days></RestoreRequest>",
      "<RestoreRequest><Days>1</Days><CASJobParameters><Tier>Fast</Tier></CASJobParameters></RestoreRequest>",
    ]) {
      const raw = await rawRequest(cloud, {
        method: "POST",
        bucket: at.Bucket,
        key: "a",
        query: [["restore", ""]],
        body,
      });
      expect(raw.status).toBe(400);
      expect(raw.body).toContain("<Code>MalformedXML</Code>");
    }
    cloud.requests.clear();
    await cos.restoreObject({ ...at, Key: "a", ...restoreRequest(1, "Standard") });
    // CAM action list (doc 436/31923): POST Object restore is name/cos:PostObjectRestore.
    expect(cloud.requests.entries.at(-1)?.needs.map((need) => need.action)).toEqual(["name/cos:PostObjectRestore"]);
  });

  it("keeps a restore's state across a restart with a data directory (journaled with the version)", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "cosfn-restore-"));
    try {
      const first = await startLocalCloud({ dataDir, restoreDelaysMs: { Standard: 20 } });
      const at = { Bucket: "restart-1250000000", Region: REGION };
      const firstCos = sdkFor(first);
      await firstCos.putBucket(at);
      await firstCos.putObject({ ...at, Key: "k", Body: "kept", StorageClass: "ARCHIVE" });
      await firstCos.restoreObject({ ...at, Key: "k", ...restoreRequest(2, "Standard") });
      await new Promise((resolve) => setTimeout(resolve, 40));
      await first.close();
      const second = await startLocalCloud({ dataDir });
      try {
        const secondCos = sdkFor(second);
        expect((await secondCos.getObject({ ...at, Key: "k" })).Body.toString()).toBe("kept");
        const head = await secondCos.headObject({ ...at, Key: "k" });
        expect(head.headers?.["x-cos-restore"]).toMatch(/^ongoing-request="false", expiry-date="/);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
