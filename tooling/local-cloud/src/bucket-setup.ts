import { CosfnError } from "@cosfn/errors";
import { COS_REGIONS, splitBucket } from "@cosfn/events";
import type { BucketAcl, ObjectStore, OriginRule, ReplicationRule } from "./cos/store.ts";

/**
 * A bucket the local cloud creates at start, with the configuration a person would otherwise set through the
 * COS API (PUT Bucket with `x-cos-acl`, PUT Bucket versioning, origin and replication): what `startLocalCloud`'s
 * `buckets` and `cosfn dev`'s config take besides plain names. JSON-friendly.
 */
export interface BucketSetup {
  /** `name-appid`. */
  name: string;
  /** Default: the local cloud's region. */
  region?: string;
  acl?: BucketAcl;
  versioning?: "Enabled" | "Suspended";
  /** Origin-pull (Mirror on 404) rules, in priority order: keys under `prefix` are fetched from `host[:port]`. */
  origin?: { prefix?: string; host: string; protocol?: "HTTP" | "HTTPS" | "FOLLOW"; followQueryString?: boolean }[];
  /** Cross-region replication rules: keys under `prefix` are copied to `destination` (`qcs::cos:<region>::<bucket>`). */
  replication?: { id?: string; prefix?: string; destination: string; deleteMarkers?: boolean; storageClass?: string }[];
}

/** A bucket setup that cannot be applied: names the bucket, the field and what was expected. */
export class BucketSetupError extends CosfnError {
  override readonly name = "BucketSetupError";
  constructor(message: string) {
    super("InvalidBucketSetup", message, { transient: false });
  }
}

const DESTINATION = /^qcs::cos:([a-z0-9-]+)::([a-z0-9-]+-\d+)$/;
const FIELDS = ["name", "region", "acl", "versioning", "origin", "replication"];

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Checks one entry of a `buckets` list (a name, or a `BucketSetup`); `at` names it in the errors. */
export function checkBucketSetup(value: unknown, at: string): string | BucketSetup {
  const fail: (path: string, expected: string) => never = (path, expected) => {
    throw new BucketSetupError(`${at}${path}: expected ${expected}`);
  };
  if (typeof value === "string") {
    checkName(value, at);
    return value;
  }
  if (!isRecord(value))
    return fail("", "a bucket name (name-appid) or { name, region, acl, versioning, origin, replication }");
  for (const key of Object.keys(value)) if (!FIELDS.includes(key)) fail(`.${key}`, `one of ${FIELDS.join(", ")}`);
  if (typeof value.name !== "string") return fail(".name", "a bucket name (name-appid)");
  checkName(value.name, `${at}.name`);
  if (value.region !== undefined && !COS_REGIONS.includes(String(value.region)))
    fail(".region", 'a COS region, e.g. "ap-shanghai"');
  if (value.acl !== undefined && value.acl !== "private" && value.acl !== "public-read")
    fail(".acl", '"private" or "public-read"');
  if (value.versioning !== undefined && value.versioning !== "Enabled" && value.versioning !== "Suspended")
    fail(".versioning", '"Enabled" or "Suspended"');
  const origin = value.origin ?? [];
  if (!Array.isArray(origin)) fail(".origin", "a list of { prefix, host, protocol, followQueryString }");
  (origin as unknown[]).forEach((rule, i) => {
    if (!isRecord(rule) || typeof rule.host !== "string" || rule.host === "")
      fail(`.origin[${i}]`, '{ prefix, host: "host[:port]", protocol, followQueryString }');
    if (rule.prefix !== undefined && typeof rule.prefix !== "string") fail(`.origin[${i}].prefix`, "a string");
    if (rule.protocol !== undefined && !["HTTP", "HTTPS", "FOLLOW"].includes(String(rule.protocol)))
      fail(`.origin[${i}].protocol`, '"HTTP", "HTTPS" or "FOLLOW"');
  });
  const replication = value.replication ?? [];
  if (!Array.isArray(replication)) fail(".replication", "a list of { id, prefix, destination }");
  (replication as unknown[]).forEach((rule, i) => {
    if (!isRecord(rule) || typeof rule.destination !== "string" || !DESTINATION.test(rule.destination))
      fail(`.replication[${i}].destination`, '"qcs::cos:<region>::<bucket>"');
    if (rule.prefix !== undefined && typeof rule.prefix !== "string") fail(`.replication[${i}].prefix`, "a string");
  });
  if ((replication as unknown[]).length > 0 && value.versioning !== "Enabled")
    fail(".versioning", '"Enabled": replication needs versioning on the source');
  return value as unknown as BucketSetup;
}

function checkName(name: string, at: string): void {
  try {
    splitBucket(name);
  } catch (error) {
    throw new BucketSetupError(`${at}: ${(error as Error).message}`);
  }
}

/** The name of a `buckets` entry. */
export function bucketSetupName(entry: string | BucketSetup): string {
  return typeof entry === "string" ? entry : entry.name;
}

/**
 * Creates the buckets that do not exist and applies their configuration: first every bucket, its ACL and
 * versioning, then origin and replication rules (whose destinations must exist, in their region, versioned, as
 * PUT Bucket replication requires).
 */
export async function applyBucketSetups(
  store: ObjectStore,
  entries: readonly (string | BucketSetup)[],
  region: string,
): Promise<void> {
  const setups = entries.map((entry, i) => {
    const checked = checkBucketSetup(entry, `buckets[${i}]`);
    return typeof checked === "string" ? { name: checked } : checked;
  });
  for (const setup of setups) {
    const existing = store.getBucket(setup.name);
    if (!existing) await store.createBucket(setup.name, setup.region ?? region, setup.acl);
    if (setup.versioning) await store.setVersioning(setup.name, setup.versioning);
  }
  for (const setup of setups) {
    if (setup.origin?.length) {
      const rules = setup.origin.map(
        (rule, i): OriginRule => ({
          priority: i + 1,
          type: "Mirror",
          prefix: rule.prefix ?? "",
          hostName: rule.host,
          protocol: rule.protocol ?? "HTTP",
          followQueryString: rule.followQueryString ?? false,
        }),
      );
      await store.setOrigin(setup.name, rules);
    }
    if (setup.replication?.length) {
      const rules = setup.replication.map((rule, i): ReplicationRule => {
        const [, destinationRegion, bucket] = DESTINATION.exec(rule.destination) as unknown as [string, string, string];
        const target = store.getBucket(bucket);
        if (target?.region !== destinationRegion || target.versioning !== "Enabled" || bucket === setup.name) {
          throw new BucketSetupError(
            `${setup.name}.replication[${i}].destination: ${rule.destination} must be another bucket of this local cloud, in ${destinationRegion}, with versioning Enabled`,
          );
        }
        return {
          id: rule.id ?? `rule-${i + 1}`,
          status: "Enabled",
          prefix: rule.prefix ?? "",
          bucket,
          region: destinationRegion,
          ...(rule.storageClass && { storageClass: rule.storageClass }),
          deleteMarkers: rule.deleteMarkers ?? true,
        };
      });
      await store.setReplication(setup.name, { role: "", rules });
    }
  }
}
