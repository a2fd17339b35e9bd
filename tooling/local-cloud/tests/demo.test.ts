import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { COS_EVENT_NAMES, parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEMO, demoClient, fireEveryEvent } from "../demo/fire-events.ts";
import { type BucketSetup, type LocalCloud, seedObject, startLocalCloud } from "../src/index.ts";

/**
 * `npm start`'s demo (dev/demo.json) shows every COS event type: its buckets (versioning, origin pull,
 * replication to another region), its seed of the origin and its triggers, with the operations the README
 * documents (demo/fire-events.ts, through the real SDK), make each of the ten concrete event names reach the
 * function bound to them (the twelve names of the trigger list less the two wildcards, which match them).
 * The functions are replaced by recorders bound with the same rules; the delays are shortened.
 */
interface DemoConfig {
  region: string;
  buckets: (string | BucketSetup)[];
  triggers: { bucket: string; events: string[]; prefix: string; suffix: string; function: string }[];
  seed: { bucket: string; key: string; file: string }[];
  restoreDelaysSeconds: Record<string, number>;
  replicationDelaySeconds: number;
}
const demoFile = fileURLToPath(new URL("../../../dev/demo.json", import.meta.url));
const demo = JSON.parse(readFileSync(demoFile, "utf8")) as DemoConfig;

let cloud: LocalCloud;
const received: { functionName: string; event: unknown }[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: demo.buckets,
    region: demo.region,
    restoreDelaysMs: { Expedited: 30, Standard: 30, Bulk: 30 },
    replicationDelayMs: 30,
  });
  for (const trigger of demo.triggers) {
    cloud.triggers.add({
      bucket: trigger.bucket,
      events: trigger.events,
      prefix: trigger.prefix,
      suffix: trigger.suffix,
      functionName: trigger.function,
      handler: (event) => void received.push({ functionName: trigger.function, event }),
    });
  }
  for (const seed of demo.seed) {
    await seedObject(
      cloud,
      seed.bucket,
      seed.key,
      readFileSync(fileURLToPath(new URL(seed.file, `file://${demoFile}`))),
    );
  }
});
afterAll(() => cloud.close());

describe("the npm start demo", () => {
  it("configures the buckets the demo needs, with short delays", () => {
    expect(cloud.store.getBucket(DEMO.bucket)).toMatchObject({
      region: DEMO.region,
      versioning: "Enabled",
      origin: [{ prefix: "mirror/", hostName: `${DEMO.origin}.cos.${DEMO.region}.myqcloud.com` }],
      replication: { rules: [{ prefix: "replicated/", bucket: DEMO.replica, region: DEMO.replicaRegion }] },
    });
    expect(cloud.store.getBucket(DEMO.origin)).toMatchObject({ acl: "public-read" });
    expect(cloud.store.getBucket(DEMO.replica)).toMatchObject({ region: DEMO.replicaRegion, versioning: "Enabled" });
    expect(Math.max(...Object.values(demo.restoreDelaysSeconds))).toBeLessThanOrEqual(60);
    expect(demo.replicationDelaySeconds).toBeLessThanOrEqual(5);
  });

  it("makes every event type fire, each reaching the function bound to it, from the documented operations", async () => {
    const [credentials] = cloud.credentials;
    if (!credentials) throw new Error("no credentials");
    const steps = await fireEveryEvent(demoClient(cloud.endpoint, credentials), cloud.endpoint, credentials);
    await cloud.replication.idle();
    await vi.waitFor(
      () => expect(received.map((r) => parseCosEvent(r.event)[0]?.eventName)).toContain("cos:ObjectRestore:Completed"),
      { timeout: 5_000 },
    );
    await cloud.triggers.idle();

    const records = received.map((r) => ({ functionName: r.functionName, record: parseCosEvent(r.event)[0] }));
    const concrete = COS_EVENT_NAMES.filter((name) => !name.endsWith("*"));
    expect(new Set(records.map((r) => r.record?.eventName))).toEqual(new Set(concrete));
    for (const step of steps) {
      const match = records.find((r) => r.record?.eventName === step.event && r.record.key === step.key);
      expect({ step, bucket: match?.record?.bucket, by: match?.functionName }).toEqual({
        step,
        bucket: step.bucket,
        by: "cdn-purge",
      });
    }
    // The restore events carry the archived version's storage class; the origin pull the origin's bytes.
    const completed = records.find((r) => r.record?.eventName === "cos:ObjectRestore:Completed")?.record;
    expect(completed).toMatchObject({ key: "archive/cold.txt", storageClass: "ARCHIVE" });
    const origin = records.find((r) => r.record?.eventName === "cos:ObjectCreated:Origin")?.record;
    expect(origin?.size).toBe(
      readFileSync(fileURLToPath(new URL("../../../test-fixtures/samples/welcome.txt", import.meta.url))).length,
    );
  });

  it("fires the origin pull again on a second run against the same data (npm start keeps it)", async () => {
    received.length = 0;
    const [credentials] = cloud.credentials;
    if (!credentials) throw new Error("no credentials");
    await fireEveryEvent(demoClient(cloud.endpoint, credentials), cloud.endpoint, credentials);
    await cloud.replication.idle();
    await cloud.triggers.idle();
    expect(received.map((r) => parseCosEvent(r.event)[0]?.eventName)).toContain("cos:ObjectCreated:Origin");
  });
});
