import { CosError } from "./errors.ts";

/** A CAM resource in COS's form: `qcs::cos:<region>:uid/<appid>:<bucket>/<key>` (`*` for the whole bucket). */
export function cosResource(region: string, bucket: string, key: string): string {
  const appId = /-(\d+)$/.exec(bucket)?.[1] ?? "";
  return `qcs::cos:${region}:uid/${appId}:${bucket}/${key}`;
}

/** COS's AccessDenied for a need the signer's CAM policy does not allow. */
export function accessDenied(need: { action: string; resource: string }): CosError {
  return new CosError(
    "AccessDenied",
    `Access Denied: the signer's CAM policy does not allow ${need.action} on ${need.resource}`,
  );
}
