export { type CloudInfiniteOptions, cloudInfinite, type ImageInfo, imageInfo, type Recognizer } from "./ci.ts";
export {
  CDN_LIMITS,
  CloudApi,
  type CloudApiCall,
  CloudApiError,
  type CloudApiFailure,
  verifyTc3,
} from "./cloud-api.ts";
export { CosError } from "./cos/errors.ts";
export { parseRange } from "./cos/objects.ts";
export type { CiProcessHandler, CosChange } from "./cos/request.ts";
export { type Credentials, camSafeUrlEncode, cosSignature, verifyCosSignature } from "./cos/signature.ts";
export { type Bucket, type ObjectAttributes, ObjectStore, type StoredObject } from "./cos/store.ts";
export { type FaultKind, type FaultRule, Faults } from "./faults.ts";
export { type ScfContext, type ScfContextOverrides, scfContext } from "./scf-context.ts";
export {
  credentialsFromEnv,
  LOCAL_CREDENTIALS,
  type LocalCloud,
  type LocalCloudOptions,
  startLocalCloud,
} from "./server.ts";
export { seedObject, storedBytes, storedKeys, storedText } from "./stored.ts";
export { type Invocation, type InvocationAttempt, type ScfHandler, type TriggerRule, Triggers } from "./triggers.ts";
