import { fileURLToPath } from "node:url";
import { cosEvent } from "@cosfn/events";
import { camCoverage, invokeHandler, loadEvent, seedObject, useTestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUCKET, DATABASES, dropTable, REGION, settings, startDbSync, uniqueTable } from "./support.ts";

const policy = fileURLToPath(new URL("../cam-policy.json", import.meta.url));
const test = useTestCloud();
const database = DATABASES[0] as (typeof DATABASES)[number];
const table = uniqueTable("cam");

describe("cam-policy.json", () => {
  beforeAll(async () => {
    const main = await startDbSync(
      settings(database, table, { KEY_PREFIX: "data/", RECONCILE_BUCKET: BUCKET, CLOCK_SKEW: "0s" }),
    );
    // Every kind of request: a created, an overwritten and a deleted object (each a HEAD), and a reconcile pass
    // (the listing under data/, the marker read and written) that repairs drift both ways.
    for (const key of ["data/a.txt", "data/b.txt", "data/c.txt"]) await seedObject(test.cloud, BUCKET, key, key);
    test.cloud.requests.clear();
    const event = (key: string, eventName: string) =>
      cosEvent({ eventName, bucket: BUCKET, region: REGION, key, size: 1 });
    for (const key of ["data/a.txt", "data/b.txt"]) await invokeHandler(main, event(key, "cos:ObjectCreated:Put"));
    await test.cloud.store.delete(BUCKET, "data/b.txt");
    await invokeHandler(main, event("data/b.txt", "cos:ObjectRemove:Delete"));
    await test.cloud.store.delete(BUCKET, "data/a.txt");
    const reconciled = await invokeHandler(main, loadEvent("timer"));
    expect(reconciled.records[0], JSON.stringify(reconciled)).toMatchObject({
      outcome: "done",
      detail: { complete: true, added: 1, deleted: 1 },
    });
  }, 60_000);
  afterAll(() => dropTable(database, table));

  it("grants every action on every resource the function used, and nothing it never used", () => {
    expect(camCoverage(policy, test.cloud.requests.entries)).toEqual({ missing: [], unused: [] });
  });
});
