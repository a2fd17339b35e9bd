import { CosError } from "./errors.ts";

/** A CAM resource in COS's form: `qcs::cos:<region>:uid/<appid>:<bucket>/<key>` (`*` for the whole bucket). */
export function cosResource(region: string, bucket: string, key: string): string {
  const appId = /-(\d+)$/.exec(bucket)?.[1] ?? "";
  return `qcs::cos:${region}:uid/${appId}:${bucket}/${key}`;
}

/**
 * A CAM resource in Cloud Infinite's form: `qcs::ci:<region>:uid/<appid>:bucket/<bucket>/<key>`. CI's
 * permission docs (460/41741, and CAM's list of CI APIs, 598/98114) give its resource-level APIs the six-segment
 * resource `qcs::ci:<region>:uid/<appid>:bucket/<bucket>/*` (service `ci`, resource type `bucket`), not COS's; the
 * policy syntax page (1045/74763) says the same (`bucket/examplebucket-1250000001/*`). What CI passes after
 * `bucket/<bucket>/` is not documented: the local cloud passes the object's key, so a grant on `bucket/<bucket>/*`,
 * the documented form, allows it, as it would allow a `*` there.
 */
export function ciResource(region: string, bucket: string, key: string): string {
  const appId = /-(\d+)$/.exec(bucket)?.[1] ?? "";
  return `qcs::ci:${region}:uid/${appId}:bucket/${bucket}/${key}`;
}

/** COS's AccessDenied for a need the signer's CAM policy does not allow. */
export function accessDenied(need: { action: string; resource: string }): CosError {
  return new CosError(
    "AccessDenied",
    `Access Denied: the signer's CAM policy does not allow ${need.action} on ${need.resource}`,
  );
}
