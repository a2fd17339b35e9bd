import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { type BucketSetup, bucketSetupName, checkBucketSetup, type RestoreTier } from "@cosfn/local-cloud";
import { CommandError } from "./io.ts";
import { FUNCTION_NAME } from "./project.ts";

/** One COS trigger of `cosfn dev`, in the terms of a serverless.yml COS trigger. */
export interface DevTrigger {
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
  function: string;
  env: Record<string, string>;
}

/** The `cosfn dev --config` file, checked. */
export interface DevConfig {
  region: string;
  /** Names, or `{ name, region, acl, versioning, origin, replication }` (the local cloud's `BucketSetup`). */
  buckets: (string | BucketSetup)[];
  triggers: DevTrigger[];
  /** Files uploaded through the COS API once the triggers are bound: `{ bucket, key, file }`, file relative to the config. */
  seed: { bucket: string; key: string; file: string }[];
  /** Delays before SCF's two retries of a failed invocation, in seconds. Default [60, 120] as SCF. */
  retryDelaysSeconds: number[];
  /** How long an archive restore takes per tier, in seconds (default the local cloud's: 60, 10800, 18000). */
  restoreDelaysSeconds?: Partial<Record<RestoreTier, number>>;
  /** How long after a write cross-region replication copies it, in seconds (default 1). */
  replicationDelaySeconds?: number;
}

class ConfigProblem extends CommandError {}

function problem(file: string, path: string, message: string): never {
  throw new ConfigProblem(`${file}: ${path}: ${message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const EVENT = /^cos:(ObjectCreated|ObjectRemove|ObjectRestore):(\*|[A-Za-z]+)$/;

/** Reads and checks a dev configuration; every mistake names the file, the path in it and what was expected. */
export function loadDevConfig(file: string, root: string): DevConfig {
  const path = resolve(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigProblem(
      `${file}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not valid JSON (${(error as Error).message})`}`,
    );
  }
  if (!isRecord(raw)) problem(file, "<root>", "expected an object");
  const known = [
    "$comment",
    "region",
    "buckets",
    "triggers",
    "seed",
    "retryDelaysSeconds",
    "restoreDelaysSeconds",
    "replicationDelaySeconds",
  ];
  for (const key of Object.keys(raw))
    if (!known.includes(key)) problem(file, key, `unknown setting (expected ${known.slice(1).join(", ")})`);

  const region = raw.region ?? "ap-guangzhou";
  if (typeof region !== "string" || !/^[a-z]{2}-[a-z]+(-[a-z0-9]+)?$/.test(region))
    problem(file, "region", 'expected a region like "ap-guangzhou"');

  const listed = raw.buckets ?? [];
  if (!Array.isArray(listed)) problem(file, "buckets", "expected a list of bucket names (name-appid) or bucket setups");
  const setups = listed.map((bucket, i) => {
    try {
      return checkBucketSetup(bucket, `buckets[${i}]`);
    } catch (error) {
      throw new ConfigProblem(`${file}: ${(error as Error).message}`);
    }
  });
  const buckets = setups.map(bucketSetupName);

  const triggers = raw.triggers ?? [];
  if (!Array.isArray(triggers))
    problem(file, "triggers", "expected a list of { bucket, events, prefix, suffix, function, env }");
  const checked = triggers.map((trigger, i): DevTrigger => {
    const at = `triggers[${i}]`;
    if (!isRecord(trigger)) problem(file, at, "expected { bucket, events, prefix, suffix, function, env }");
    for (const key of Object.keys(trigger)) {
      if (!["bucket", "events", "prefix", "suffix", "function", "env"].includes(key))
        problem(file, `${at}.${key}`, "unknown field (expected bucket, events, prefix, suffix, function, env)");
    }
    if (typeof trigger.bucket !== "string" || !buckets.includes(trigger.bucket))
      problem(
        file,
        `${at}.bucket`,
        `expected one of the buckets listed in "buckets" (${buckets.join(", ") || "none"})`,
      );
    const events = typeof trigger.events === "string" ? trigger.events.split(/\s+/).filter(Boolean) : trigger.events;
    if (!Array.isArray(events) || events.length === 0)
      problem(file, `${at}.events`, 'expected event names, e.g. ["cos:ObjectCreated:*"]');
    events.forEach((name, j) => {
      if (typeof name !== "string" || !EVENT.test(name))
        problem(
          file,
          `${at}.events[${j}]`,
          `expected a COS event name like "cos:ObjectCreated:*", got ${JSON.stringify(name)}`,
        );
    });
    for (const key of ["prefix", "suffix"] as const) {
      if (trigger[key] !== undefined && typeof trigger[key] !== "string")
        problem(file, `${at}.${key}`, "expected a string");
    }
    const name = trigger.function;
    if (typeof name !== "string" || !FUNCTION_NAME.test(name))
      problem(file, `${at}.function`, "expected a function name");
    if (!existsSync(join(root, "functions", name, "src", "index.ts")))
      problem(file, `${at}.function`, `no function ${name} (functions/${name}/src/index.ts)`);
    const env = trigger.env ?? {};
    if (!isRecord(env) || Object.values(env).some((v) => typeof v !== "string"))
      problem(file, `${at}.env`, "expected an object of string values");
    return {
      bucket: trigger.bucket,
      events: events as string[],
      prefix: (trigger.prefix as string | undefined) ?? "",
      suffix: (trigger.suffix as string | undefined) ?? "",
      function: name,
      env: env as Record<string, string>,
    };
  });

  const seed = raw.seed ?? [];
  if (!Array.isArray(seed)) problem(file, "seed", "expected a list of { bucket, key, file }");
  const seeds = seed.map((item, i) => {
    if (
      !isRecord(item) ||
      typeof item.key !== "string" ||
      typeof item.file !== "string" ||
      typeof item.bucket !== "string"
    ) {
      problem(file, `seed[${i}]`, "expected { bucket, key, file }");
    }
    if (!buckets.includes(item.bucket)) problem(file, `seed[${i}].bucket`, "expected one of the listed buckets");
    const source = resolve(dirname(path), item.file);
    if (!existsSync(source)) problem(file, `seed[${i}].file`, `no such file ${item.file}`);
    return { bucket: item.bucket, key: item.key, file: source };
  });

  const delays = raw.retryDelaysSeconds ?? [60, 120];
  if (!Array.isArray(delays) || delays.some((d) => typeof d !== "number" || d < 0))
    problem(file, "retryDelaysSeconds", "expected a list of seconds, e.g. [60, 120]");

  const restore = raw.restoreDelaysSeconds;
  if (
    restore !== undefined &&
    (!isRecord(restore) ||
      Object.entries(restore).some(
        ([tier, s]) => !["Expedited", "Standard", "Bulk"].includes(tier) || typeof s !== "number" || s < 0,
      ))
  )
    problem(file, "restoreDelaysSeconds", 'expected seconds per tier, e.g. { "Expedited": 5, "Standard": 10 }');
  const replication = raw.replicationDelaySeconds;
  if (replication !== undefined && (typeof replication !== "number" || replication < 0))
    problem(file, "replicationDelaySeconds", "expected a number of seconds");

  return {
    region,
    buckets: setups,
    triggers: checked,
    seed: seeds,
    retryDelaysSeconds: delays as number[],
    ...(restore !== undefined && { restoreDelaysSeconds: restore as Partial<Record<RestoreTier, number>> }),
    ...(replication !== undefined && { replicationDelaySeconds: replication }),
  };
}
