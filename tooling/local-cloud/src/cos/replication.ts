import { COS_REGIONS } from "@cosfn/events";
import { CosError } from "./errors.ts";
import { bucketName, type CosChange, type RequestContext, readText } from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import { type ObjectStore, pickAttributes, type ReplicationRule, type StoredObject, versionIdOf } from "./store.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

const DESTINATION = /^qcs::cos:([a-z0-9-]+)::([a-z0-9][a-z0-9-]*-\d+)$/;
const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * PUT Bucket replication: `PUT /?replication` (doc 436/19223). The bucket must have versioning Enabled ("make
 * sure that the bucket has versioning enabled": else 400 `InvalidRequest`, the code is *chosen*). Each `Rule`:
 * `ID`, `Status` (Enabled / Disabled), `Prefix` (rules' prefixes must not overlap), `Destination/Bucket`
 * (`qcs::cos:<region>::<bucket>`, an existing bucket in that region with versioning Enabled, else 400
 * `InvalidArgument`), optional `Destination/StorageClass` and `DeleteMarkerReplication/Status`. Replaces any
 * configuration the bucket had.
 */
export async function putBucketReplication(context: RequestContext): Promise<void> {
  const { options } = context;
  const source = options.store.getBucket(bucketName(context));
  const document = parseXmlBody(await readText(context.req)).ReplicationConfiguration as
    | { Role?: unknown; Rule?: unknown }
    | undefined;
  if (source?.versioning !== "Enabled")
    throw new CosError("InvalidRequest", "replication needs versioning Enabled on the source bucket");
  const rules = list(document?.Rule) as Record<string, unknown>[];
  if (!document || rules.length === 0) throw new CosError("MalformedXML", "ReplicationConfiguration has no Rule");
  const parsed = rules.map((rule, index): ReplicationRule => {
    const status = text(rule.Status);
    if (status !== "Enabled" && status !== "Disabled")
      throw new CosError("MalformedXML", "a replication Rule's Status must be Enabled or Disabled");
    const destination = (rule.Destination ?? {}) as Record<string, unknown>;
    const match = DESTINATION.exec(text(destination.Bucket));
    if (!match) throw new CosError("InvalidArgument", "Destination/Bucket must be qcs::cos:<region>::<bucket>");
    const [, region, bucket] = match as unknown as [string, string, string];
    const target = options.store.getBucket(bucket);
    if (!COS_REGIONS.includes(region) || target?.region !== region)
      throw new CosError("InvalidArgument", `the destination bucket ${bucket} does not exist in ${region}`);
    if (target.versioning !== "Enabled")
      throw new CosError("InvalidArgument", "the destination bucket must have versioning Enabled");
    if (bucket === source.name) throw new CosError("InvalidArgument", "a bucket cannot replicate to itself");
    const storageClass = text(destination.StorageClass).toUpperCase();
    const deleteMarkers = text((rule.DeleteMarkerReplication as Record<string, unknown> | undefined)?.Status);
    return {
      id: text(rule.ID) || `rule-${index + 1}`,
      status,
      prefix: text(rule.Prefix),
      bucket,
      region,
      ...(storageClass !== "" && { storageClass }),
      deleteMarkers: deleteMarkers !== "Disabled",
    };
  });
  for (const [i, a] of parsed.entries()) {
    for (const b of parsed.slice(i + 1)) {
      if (a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix))
        throw new CosError("InvalidArgument", `the prefixes of rules ${a.id} and ${b.id} overlap`);
    }
  }
  await options.store.setReplication(bucketName(context), { role: text(document.Role), rules: parsed });
  sendEmpty(context.res, 200);
}

/**
 * GET Bucket replication (doc 436/19222): the configuration as set; without one, 404
 * `ReplicationConfigurationnotFoundError` (the code the SDK recognises for it).
 */
export async function getBucketReplication(context: RequestContext): Promise<void> {
  const configuration = context.options.store.getBucket(bucketName(context))?.replication;
  if (!configuration) {
    throw new CosError("ReplicationConfigurationnotFoundError", "the bucket has no replication configuration");
  }
  sendXml(context.res, 200, [
    "ReplicationConfiguration",
    [
      ["Role", configuration.role],
      ...configuration.rules.map(
        (rule): XmlNode => [
          "Rule",
          [
            ["ID", rule.id],
            ["Status", rule.status],
            ["Prefix", rule.prefix],
            [
              "Destination",
              [
                ["Bucket", `qcs::cos:${rule.region}::${rule.bucket}`],
                ...(rule.storageClass ? [["StorageClass", rule.storageClass] as XmlNode] : []),
              ],
            ],
            ["DeleteMarkerReplication", [["Status", rule.deleteMarkers ? "Enabled" : "Disabled"]]],
          ],
        ],
      ),
    ],
  ]);
}

/** DELETE Bucket replication (doc 436/19221): 204. */
export async function deleteBucketReplication(context: RequestContext): Promise<void> {
  await context.options.store.setReplication(bucketName(context), undefined);
  sendEmpty(context.res, 204);
}

const WRITES: ReadonlySet<CosChange["operation"]> = new Set([
  "Put",
  "Post",
  "Copy",
  "CompleteMultipartUpload",
  "Origin",
]);

/**
 * Cross-region replication of a bucket's changes (doc 436/19223, and the overview 436/19235): a version written
 * under an Enabled rule's prefix is marked `x-cos-replication-status: PENDING` before the write is answered,
 * then, `delayMs` later, copied to the destination bucket as a new version marked `REPLICA`, the source version
 * marked `COMPLETED` (`FAILED` when it could not be copied), and the destination emits
 * `cos:ObjectCreated:Replication`. A delete that adds a delete marker adds one at the destination too (unless the
 * rule's `DeleteMarkerReplication` is Disabled), which emits `cos:ObjectRemove:DeleteMarkerCreated` there.
 */
export class Replicator {
  readonly #store: ObjectStore;
  readonly #schedule: (ms: number, work: () => void) => void;
  readonly #delayMs: number;
  readonly #dispatch: (change: CosChange) => void;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(
    store: ObjectStore,
    schedule: (ms: number, work: () => void) => void,
    delayMs: number,
    dispatch: (change: CosChange) => void,
  ) {
    this.#store = store;
    this.#schedule = schedule;
    this.#delayMs = delayMs;
    this.#dispatch = dispatch;
  }

  /** Marks a change for replication, if a rule covers it, and schedules the copy. */
  async observe(change: CosChange): Promise<void> {
    if (change.operation !== "DeleteMarkerCreated" && !WRITES.has(change.operation)) return;
    const rule = this.#store
      .getBucket(change.bucket)
      ?.replication?.rules.find((rule) => rule.status === "Enabled" && change.key.startsWith(rule.prefix));
    if (!rule) return;
    if (change.operation === "DeleteMarkerCreated") {
      if (rule.deleteMarkers) this.#later(() => this.#replicateDelete(change, rule));
      return;
    }
    const versionId = versionIdOf(change.object);
    await this.#store.setReplicationStatus(change.bucket, change.key, versionId, "PENDING");
    this.#later(() => this.#replicateWrite(change, rule, versionId));
  }

  /** Resolves once no replication is scheduled or running (for tests and a clean close). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  #later(work: () => Promise<void>): void {
    let done!: () => void;
    const tracked = new Promise<void>((resolve) => {
      done = resolve;
    });
    this.#inFlight.add(tracked);
    this.#schedule(this.#delayMs, () => {
      void work()
        .catch(() => {})
        .finally(() => {
          this.#inFlight.delete(tracked);
          done();
        });
    });
  }

  async #replicateWrite(change: CosChange, rule: ReplicationRule, versionId: string): Promise<void> {
    let source: StoredObject | undefined;
    try {
      source = this.#store.version(change.bucket, change.key, versionId);
      if (!source || source.deleteMarker) return;
      const copied = await this.#store.copy(
        { bucket: change.bucket, key: change.key, versionId },
        { bucket: rule.bucket, key: change.key },
        { ...pickAttributes(source), ...(rule.storageClass && { storageClass: rule.storageClass }) },
      );
      const replica = await this.#store.setReplicationStatus(rule.bucket, change.key, versionIdOf(copied), "REPLICA");
      await this.#store.setReplicationStatus(change.bucket, change.key, versionId, "COMPLETED");
      this.#dispatch({
        ...change,
        operation: "Replication",
        bucket: rule.bucket,
        region: rule.region,
        object: replica,
      });
    } catch (error) {
      if (source)
        await this.#store.setReplicationStatus(change.bucket, change.key, versionId, "FAILED").catch(() => {});
      throw error;
    }
  }

  async #replicateDelete(change: CosChange, rule: ReplicationRule): Promise<void> {
    if (!this.#store.getBucket(rule.bucket)) return;
    const outcome = await this.#store.delete(rule.bucket, change.key, undefined);
    if (outcome.marker) {
      this.#dispatch({
        ...change,
        bucket: rule.bucket,
        region: rule.region,
        object: outcome.marker,
      });
    }
  }
}

/** The `x-cos-replication-status` header of a version that has one. */
export function replicationHeaders(object: StoredObject): Record<string, string> {
  return object.replicationStatus ? { "x-cos-replication-status": object.replicationStatus } : {};
}
