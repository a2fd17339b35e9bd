import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLE_BUCKET, eventFixturesDir, objectEvent, seedObject, useTestCloud } from "@cosfn/testing";
import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";

/**
 * db-sync run as `cosfn dev` and a person run it: `npx cosfn invoke db-sync --event FILE`, each invocation in a
 * process of its own (spawned here for real), on the embedded database in a folder (`DB_URL=pglite:<dir>`).
 */
const test = useTestCloud();
const work = mkdtempSync(join(tmpdir(), "cosfn-db-sync-invoke-"));
const folder = join(work, "db");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `npx cosfn invoke db-sync --event <file> --env ...`, against the test's local cloud; its status and output. */
function cosfnInvoke(
  event: unknown,
  env: Record<string, string>,
): Promise<{ status: number; stdout: string; stderr: string }> {
  const file = typeof event === "string" ? event : join(work, `event-${Math.random().toString(36).slice(2)}.json`);
  if (typeof event !== "string") writeFileSync(file, JSON.stringify(event));
  const args = ["cosfn", "invoke", "db-sync", "--event", file];
  for (const [name, value] of Object.entries({ DB_URL: `pglite:${folder}`, KEY_PREFIX: "cli/", ...env })) {
    args.push("--env", `${name}=${value}`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn("npx", args, { env: { ...process.env, ...test.env, COSFN_LOG_LEVEL: "warn" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

async function rows(): Promise<Record<string, unknown>[]> {
  const db = await PGlite.create(folder);
  try {
    return (
      await db.query<Record<string, unknown>>("SELECT key, etag, is_current, reason FROM cos_objects ORDER BY key")
    ).rows;
  } finally {
    await db.close();
  }
}

describe("npx cosfn invoke db-sync on pglite:<dir>", () => {
  const keys = ["cli/a.txt", "cli/b.txt", "cli/c.txt", "cli/d.txt"];

  it("simultaneous invocations in simultaneous processes take turns on the folder: every row is there", async () => {
    for (const key of keys) await seedObject(test.cloud, EXAMPLE_BUCKET, key, `body of ${key}`);
    const results = await Promise.all(keys.map((key) => cosfnInvoke(objectEvent([key]), {})));
    for (const result of results) {
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ processed: 1, failed: 0 });
    }
    expect(await rows()).toEqual(
      keys.map((key) => ({
        key,
        etag: test.cloud.store.head(EXAMPLE_BUCKET, key)?.etag.replace(/"/g, ""),
        is_current: true,
        reason: "created",
      })),
    );
    // Every process gave the folder back.
    expect(existsSync(`${folder}.lock`)).toBe(false);
  }, 180_000);

  it("runs reconcile with the timer fixture event and prints its report", async () => {
    await test.cloud.store.delete(EXAMPLE_BUCKET, "cli/b.txt");
    await seedObject(test.cloud, EXAMPLE_BUCKET, "cli/e.txt", "no event for this one");
    const result = await cosfnInvoke(join(eventFixturesDir, "timer", "basic.json"), {
      RECONCILE_BUCKET: EXAMPLE_BUCKET,
      CLOCK_SKEW: "0s",
    });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      processed: 1,
      records: [
        {
          eventName: "timer:flush",
          outcome: "done",
          detail: { complete: true, source: "listing", listed: 4, added: 1, deleted: 1 },
        },
      ],
    });
    const after = await rows();
    expect(after.filter((row) => row.is_current).map((row) => row.key)).toEqual([
      "cli/a.txt",
      "cli/c.txt",
      "cli/d.txt",
      "cli/e.txt",
    ]);
    expect(after.find((row) => row.key === "cli/b.txt")).toMatchObject({ is_current: false, reason: "reconciled" });
  }, 120_000);
});
