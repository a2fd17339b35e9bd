import { CosError } from "./errors.ts";
import { bucketName, changeOf, emit, type RequestContext, readText, versionHeader } from "./request.ts";
import { sendEmpty } from "./response.ts";
import type { RestoreState, RestoreTier, StoredObject } from "./store.ts";
import { parseXmlBody } from "./xml.ts";

/** The storage classes whose objects must be restored before they can be read (doc 436/12633). */
export const ARCHIVE_CLASSES: ReadonlySet<string> = new Set(["ARCHIVE", "DEEP_ARCHIVE"]);

const TIERS: readonly RestoreTier[] = ["Expedited", "Standard", "Bulk"];
const DAY_MS = 86_400_000;

/**
 * How long each restore mode takes before the temporary copy is readable. COS (doc 436/12633): Expedited 1-5
 * minutes, Standard 3-5 hours, Bulk 5-12 hours for ARCHIVE (longer for DEEP_ARCHIVE); the local cloud takes the
 * short end of each by default, and tests set milliseconds (`restoreDelaysMs` of `startLocalCloud`).
 */
export const DEFAULT_RESTORE_DELAYS_MS: Readonly<Record<RestoreTier, number>> = {
  Expedited: 60_000,
  Standard: 3 * 3_600_000,
  Bulk: 5 * 3_600_000,
};

/** Where a version's restore is at `now`: none (never restored, or its copy expired), ongoing, or readable. */
export function restorePhase(object: StoredObject, now = Date.now()): "none" | "ongoing" | "restored" {
  const restore = object.restore;
  if (!restore || now >= Date.parse(restore.expiresAt)) return "none";
  return now < Date.parse(restore.readyAt) ? "ongoing" : "restored";
}

/**
 * HEAD and GET Object's `x-cos-restore` for an archived version (doc 436/7745): `ongoing-request="true"` while
 * the restore runs, then `ongoing-request="false", expiry-date="<HTTP date>"` until the temporary copy expires.
 */
export function restoreHeaders(object: StoredObject): Record<string, string> {
  const phase = restorePhase(object);
  if (phase === "none") return {};
  if (phase === "ongoing") return { "x-cos-restore": 'ongoing-request="true"' };
  const expiry = new Date((object.restore as RestoreState).expiresAt).toUTCString();
  return { "x-cos-restore": `ongoing-request="false", expiry-date="${expiry}"` };
}

/**
 * GET Object of an ARCHIVE or DEEP_ARCHIVE version whose temporary copy is not readable is refused with 403
 * InvalidObjectState (doc 436/7753, GET Object's error codes: an archived object must be restored first).
 */
export function checkReadable(object: StoredObject): void {
  if (ARCHIVE_CLASSES.has(object.storageClass) && restorePhase(object) !== "restored") {
    throw new CosError(
      "InvalidObjectState",
      "the operation is not valid for the object's storage class: restore it first",
    );
  }
}

/** The RestoreRequest document (doc 436/12633): `Days` (a positive integer) and `CASJobParameters/Tier`. */
function parseRestoreRequest(text: string): { days: number; tier: RestoreTier } {
  const request = parseXmlBody(text).RestoreRequest as
    | { Days?: unknown; CASJobParameters?: { Tier?: unknown } }
    | undefined;
  const days = Number(request?.Days);
  if (!request || !Number.isInteger(days) || days < 1)
    throw new CosError("MalformedXML", "RestoreRequest needs Days, a positive integer");
  const tier = request.CASJobParameters?.Tier ?? "Standard";
  if (!TIERS.includes(tier as RestoreTier))
    throw new CosError(
      "MalformedXML",
      `CASJobParameters/Tier must be Expedited, Standard or Bulk, got ${String(tier)}`,
    );
  return { days, tier: tier as RestoreTier };
}

/**
 * POST Object restore: `POST /<key>?restore` (and `versionId`), doc 436/12633. A restore started answers 202
 * and emits `cos:ObjectRestore:Post`; once the tier's delay has passed the temporary copy is readable for `Days`
 * days and `cos:ObjectRestore:Completed` is emitted. A restore already running answers 409
 * RestoreAlreadyInProgress; a copy already readable answers 200 and its expiry is moved to `Days` from now (the
 * doc's "extension"). An object not archived answers 403 InvalidObjectState (the code COS, like S3, gives for an
 * operation not valid in the object's storage class).
 */
export async function postObjectRestore(context: RequestContext): Promise<void> {
  const { req, res, key, query, options } = context;
  const { days, tier } = parseRestoreRequest(await readText(req));
  let started = false;
  const object = await options.store.setRestore(bucketName(context), key, query.get("versionId"), (existing) => {
    if (!ARCHIVE_CLASSES.has(existing.storageClass)) {
      throw new CosError("InvalidObjectState", `an object of storage class ${existing.storageClass} needs no restore`);
    }
    const now = Date.now();
    const phase = restorePhase(existing, now);
    if (phase === "ongoing")
      throw new CosError("RestoreAlreadyInProgress", "the object restore is already in progress");
    if (phase === "restored") {
      return { ...(existing.restore as RestoreState), days, expiresAt: new Date(now + days * DAY_MS).toISOString() };
    }
    started = true;
    const readyAt = now + options.restoreDelaysMs[tier];
    return {
      tier,
      days,
      requestedAt: new Date(now).toISOString(),
      readyAt: new Date(readyAt).toISOString(),
      expiresAt: new Date(readyAt + days * DAY_MS).toISOString(),
    };
  });
  if (!started) return sendEmpty(res, 200, versionHeader(object));
  await emit(context, "RestorePost", object);
  const completed = changeOf(context, "RestoreCompleted", object);
  options.schedule(options.restoreDelaysMs[tier], () => {
    const version = options.store.getBucket(completed.bucket)
      ? options.store.version(completed.bucket, key, object.versionId ?? "null")
      : undefined;
    // Only if the version is still there and this is still its restore.
    if (version?.restore?.requestedAt === object.restore?.requestedAt)
      void Promise.resolve(options.onChange({ ...completed, object: version as StoredObject })).catch(() => {});
  });
  sendEmpty(res, 202, versionHeader(object));
}
