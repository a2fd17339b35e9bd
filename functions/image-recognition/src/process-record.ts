import type { CosRecord } from "@cosfn/events";
import { type RecordContext, type RecordResult, writtenBy } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { ImageRejectedError } from "./errors.ts";
import { extensionMismatch } from "./formats.ts";
import { inspectImage } from "./inspect.ts";
import { applyKeepingActions, applyRemovingActions, plannedRemoval } from "./moderation-actions.ts";
import { decideModeration } from "./moderation-rules.ts";
import { readImage } from "./read-image.ts";
import { recognizeImage } from "./recognize.ts";
import type { Resources } from "./resources.ts";
import { hasSidecarFor, type Sidecar, writeSidecar } from "./sidecar.ts";
import { resultTags } from "./tags.ts";

/** Storage classes whose objects cannot be read until restored. */
const ARCHIVED = new Set(["ARCHIVE", "DEEP_ARCHIVE"]);

/** Which of the function's own output prefixes a key is under, if any (the loop guard beyond the runtime's). */
export function ownOutputPrefix(config: Config, key: string): string | undefined {
  return [config.sidecarPrefix, config.derivativePrefix, config.reviewPrefix, config.quarantinePrefix].find((prefix) =>
    key.startsWith(prefix),
  );
}

/**
 * One uploaded object: HEAD it; skip the function's own outputs and an object whose sidecar already describes
 * this ETag; read it (bounded), sniff and inspect it with sharp; run the recognizers (pre-fitting where their
 * limits demand); then act: tags merged with the object's, the moderation rules' keeping actions, the sidecar
 * (the mark that this ETag is done), a sink row, and last a `move` or `delete`. A bad image gets a sidecar saying
 * why and fails permanently.
 */
export async function recognizeObject(
  record: CosRecord,
  context: RecordContext<Config, Resources>,
): Promise<RecordResult> {
  const { config, resources, cos, signal } = context;
  const { bucket, key } = record;
  const own = ownOutputPrefix(config, key);
  if (own) return { skipped: `loop guard: ${key} is under the output prefix ${own}` };
  const info = await cos.head(bucket, key);
  if (!info) return { skipped: "the object no longer exists" };
  if (writtenBy({ userMetadata: info.metadata }, context.name)) {
    return { skipped: `loop guard: the object was written by ${context.name}` };
  }
  if (ARCHIVED.has(info.storageClass)) {
    return { skipped: `storage class ${info.storageClass}: the object cannot be read until it is restored` };
  }
  if (await hasSidecarFor(cos, bucket, config, key, info.etag)) {
    return { skipped: `already recognized: the sidecar describes ETag ${info.etag}` };
  }
  const sidecar: Sidecar = {
    version: 1,
    function: context.name,
    bucket,
    key,
    etag: info.etag,
    size: info.size,
    recognizedAt: new Date().toISOString(),
    status: "recognized",
    labels: [],
    providers: {},
    actions: [],
  };
  let image: Awaited<ReturnType<typeof readImage>>;
  let inspection: Awaited<ReturnType<typeof inspectImage>>;
  try {
    image = await readImage(cos, bucket, key, info, config, signal);
    inspection = await inspectImage(image.bytes, image.format, config, image.where);
  } catch (error) {
    if (!(error instanceof ImageRejectedError)) throw error;
    // Written so that a duplicate event costs one HEAD, and so that the bucket shows why.
    const rejected: Sidecar = { ...sidecar, status: "rejected", error: { code: error.code, message: error.message } };
    await writeSidecar(cos, config, rejected);
    await resources.sink?.write(rejected);
    throw error;
  }
  sidecar.image = { ...inspection, extensionMismatch: extensionMismatch(key, inspection.format) };

  const found = await recognizeImage(resources.recognizers, image, inspection, {
    cos,
    bucket,
    key,
    size: info.size,
    storageClass: info.storageClass,
    config,
    signal,
  });
  sidecar.labels = found.labels;
  sidecar.providers = found.providers;
  if (found.derivative) sidecar.derivative = found.derivative;
  const decision = found.moderation
    ? decideModeration(found.moderation, config.moderationRules, config.destructiveOnSuspicious)
    : undefined;
  if (found.moderation && decision) sidecar.moderation = { ...found.moderation, decision };

  const tags = resultTags(
    config,
    found.labels,
    found.moderation && decision && { verdict: found.moderation, decision },
  );
  if (Object.keys(tags).length > 0 && decision?.action !== "delete") {
    try {
      sidecar.tags = { written: await cos.mergeTags(bucket, key, tags) };
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "TagLimitExceeded")) throw error;
      sidecar.tags = { skipped: error.message };
    }
  }
  const target = { cos, bucket, key, etag: info.etag, config };
  if (decision) {
    sidecar.actions.push(...(await applyKeepingActions(decision, target, sidecar)));
    sidecar.actions.push(...plannedRemoval(decision, target));
  }
  const sidecarKey = await writeSidecar(cos, config, sidecar);
  await resources.sink?.write(sidecar);
  const removed = decision ? await applyRemovingActions(decision, target) : [];
  return {
    detail: {
      format: inspection.format,
      width: inspection.width,
      height: inspection.height,
      labels: found.labels.slice(0, 5).map((label) => `${label.name}:${label.confidence}`),
      ...(found.moderation && { moderation: found.moderation.result, action: decision?.action }),
      ...(removed.length > 0 && { removed }),
      sidecar: sidecarKey,
    },
  };
}
