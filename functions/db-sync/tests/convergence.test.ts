import { EnvReader } from "@cosfn/runtime";
import { invokeHandler, useTestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { reconcileBucket } from "../src/reconcile.ts";
import type { ObjectIndexStore } from "../src/stores/types.ts";
import {
  available,
  BUCKET,
  bucketState,
  DATABASES,
  dropTable,
  type MainHandler,
  openStore,
  settings,
  startDbSync,
  tableState,
  uniqueTable,
  userClient,
} from "./support.ts";

/**
 * THE PROPERTY: whatever COS does to a few keys (puts, overwrites, copies, multipart completions, deletes, some at
 * once) and however its events reach the function (late, reordered, duplicated, merged into one event, delivered
 * to several instances at once, failed invocations retried), once every event was handled the table's current
 * rows are exactly the bucket's objects, with their ETags.
 */
const SEEDS = Number(process.env.DB_SYNC_SEEDS ?? 200);
const ONLY_SEED = process.env.DB_SYNC_SEED === undefined ? undefined : Number(process.env.DB_SYNC_SEED);
const INSTANCES = 3;

/** mulberry32: a small seeded PRNG, so a failing seed replays exactly. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type RawEvent = { Records: unknown[] };

const test = useTestCloud();

describe.each(DATABASES.filter(available))("convergence on $name", (database) => {
  const root = `prop/${database.name}/`;
  const table = uniqueTable(`prop_${database.name}`);
  const env = settings(database, table, { KEY_PREFIX: root });
  const instances: MainHandler[] = [];
  const captured: RawEvent[] = [];
  let store: ObjectIndexStore;

  beforeAll(async () => {
    for (let i = 0; i < INSTANCES; i++) instances.push(await startDbSync(env));
    store = await openStore(env);
    // COS's events are captured, then delivered by the test in an order of its choosing.
    test.cloud.triggers.add({
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*"],
      prefix: root,
      functionName: "db-sync",
      handler: async (event) => {
        captured.push(event as RawEvent);
      },
    });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await dropTable(database, table);
  });

  async function runSeed(seed: number): Promise<string[]> {
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const cos = userClient();
    const prefix = `${root}s${seed}/`;
    const keys = ["a", "b", "c+d"].map((name) => `${prefix}${name}`);
    const log: string[] = [];
    const inFlight: Promise<void>[] = [];
    let pending: RawEvent[] = [];

    const deliver = (event: RawEvent, attempt = 1): Promise<void> => {
      const instance = Math.floor(random() * INSTANCES);
      log.push(`deliver ${event.Records.length} record(s) to instance ${instance}`);
      return invokeHandler(instances[instance] as MainHandler, event).then((summary) => {
        if (summary.failed === 0) return;
        // SCF retries a failed invocation (the function throws on retryable failures).
        if (attempt >= 4) throw new Error(`seed ${seed}: an event failed 4 times: ${JSON.stringify(summary)}`);
        return deliver(event, attempt + 1);
      });
    };
    /** Takes what COS emitted so far and delivers some of it now, in any order, some twice, some merged. */
    const deliverSome = (all: boolean) => {
      pending.push(...captured.splice(0));
      const chosen: RawEvent[] = [];
      const kept: RawEvent[] = [];
      for (const event of pending) (all || random() < 0.5 ? chosen : kept).push(event);
      pending = kept;
      for (let i = chosen.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [chosen[i], chosen[j]] = [chosen[j] as RawEvent, chosen[i] as RawEvent];
      }
      while (chosen.length > 0) {
        let event = chosen.shift() as RawEvent;
        if (chosen.length > 0 && random() < 0.2) {
          event = { ...event, Records: [...event.Records, ...(chosen.shift() as RawEvent).Records] };
        }
        inFlight.push(deliver(event));
        if (random() < 0.3) pending.push(event); // duplicated: delivered again later
      }
    };

    const operations = 3 + Math.floor(random() * 4);
    for (let op = 0; op < operations; op++) {
      const group = random() < 0.3 ? 2 : 1;
      const work: Promise<unknown>[] = [];
      for (let g = 0; g < group; g++) {
        const key = pick(keys);
        const choice = random();
        const body = `${seed}:${op}:${g}:${random()}`;
        if (choice < 0.4) {
          log.push(`put ${key}`);
          work.push(cos.writeObject({ bucket: BUCKET, key, body, metadata: { op: String(op) } }));
        } else if (choice < 0.55) {
          const source = pick(keys);
          log.push(`copy ${source} -> ${key}`);
          // A copy onto itself must replace the metadata (COS refuses it otherwise): same ETag, new metadata.
          const metadata = source === key ? { metadata: { copied: String(op) } } : {};
          work.push(
            cos
              .copyObject({ bucket: BUCKET, key: source }, { bucket: BUCKET, key }, metadata)
              .catch((error: unknown) => {
                if ((error as { statusCode?: number }).statusCode !== 404) throw error; // the source was not there
              }),
          );
        } else if (choice < 0.58) {
          log.push(`multipart ${key}`);
          const big = Buffer.alloc(1024 * 1024 + 7, body);
          work.push(cos.writeObject({ bucket: BUCKET, key, body: big, partSize: 1024 * 1024 }));
        } else {
          log.push(`delete ${key}`);
          work.push(cos.deleteObject(BUCKET, key));
        }
      }
      await Promise.all(work);
      // Triggers dispatch asynchronously: some events are delivered while later operations already ran.
      if (random() < 0.6) deliverSome(false);
    }
    await test.cloud.triggers.idle();
    deliverSome(true);
    await Promise.all(inFlight);
    while (pending.length > 0 || captured.length > 0) {
      const before = inFlight.length;
      deliverSome(true);
      await Promise.all(inFlight.slice(before));
    }
    await Promise.all(inFlight);

    const table = await tableState(store, prefix);
    const bucket = bucketState(test, prefix);
    const message = `seed ${seed} (rerun with DB_SYNC_SEED=${seed}):\n${log.join("\n")}`;
    expect(Object.fromEntries(table), message).toEqual(Object.fromEntries(bucket));
    return log;
  }

  it(`after any delivery of any changes, the table equals the bucket (${SEEDS} seeds, ${INSTANCES} instances)`, async () => {
    // Some HEADs are slow, so deliveries overlap the operations that follow them.
    test.cloud.faults.add({ fault: { kind: "latency", ms: 8 }, method: "HEAD", pattern: new RegExp(root), rate: 0.3 });
    const seeds = ONLY_SEED === undefined ? Array.from({ length: SEEDS }, (_, i) => i + 1) : [ONLY_SEED];
    for (const seed of seeds) await runSeed(seed);
    test.cloud.faults.clear();
    // The multipart branch, copies and deletes all ran somewhere in the seeds.
  }, 300_000);

  it("after convergence, a reconcile pass finds nothing to repair", async () => {
    const config = loadConfig(new EnvReader({ ...env }));
    const result = await reconcileBucket({
      store,
      cos: userClient(),
      bucket: BUCKET,
      prefix: root,
      excludePrefix: config.statePrefix,
      batch: 50,
      clockSkewMs: 0,
      tombstoneRetentionMs: config.tombstoneRetentionMs,
      after: null,
      mayContinue: () => true,
    });
    expect(result).toMatchObject({ complete: true, added: 0, updated: 0, deleted: 0, superseded: 0 });
    expect(result.listed).toBe(bucketState(test, root).size);
  });
});
