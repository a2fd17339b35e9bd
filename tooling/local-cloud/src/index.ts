export { MAX_ATTEMPT_LOG_BYTES } from "./attempt-log.ts";
export {
  applyBucketSetups,
  type BucketSetup,
  BucketSetupError,
  bucketSetupName,
  checkBucketSetup,
} from "./bucket-setup.ts";
export {
  CAM_CONDITION_KEYS,
  CAM_CONDITION_OPERATORS,
  type CamCondition,
  type CamGrant,
  type CamNeed,
  type CamPolicy,
  CamPolicyError,
  type CamStatement,
  camActionMatches,
  camAllows,
  camDenied,
  camGrants,
  camResourceMatches,
  checkCamPolicy,
  policyGrantUnused,
} from "./cam.ts";
export { type CloudInfiniteOptions, cloudInfinite, type ImageInfo, imageInfo, type Recognizer } from "./ci.ts";
export {
  CDN_AREAS,
  CDN_LIMITS,
  type CdnArea,
  type CdnDomain,
  type CdnLimits,
  CloudApi,
  type CloudApiCall,
  CloudApiError,
  type CloudApiFailure,
  type CloudApiOptions,
  type CloudApiSettings,
  cloudApiNeed,
  HOST_NOT_IN_ZONE,
  quotaDay,
  REAL_RATE_LIMIT,
  TEO_DEFAULT_QUOTAS,
  type TeoQuota,
  type TeoQuotaType,
  type TeoZone,
  type ThrottleOptions,
  teoQuotaKey,
  verifyTc3,
} from "./cloud-api/index.ts";
export type { CiLogEntry } from "./console/ci-answers.ts";
export type { EmittedEvent, EventLogMessage } from "./console/event-log.ts";
export type { ConsoleOptions } from "./console/server.ts";
export type { ConsoleFunctions } from "./console/triggers-api.ts";
export type { ConsoleView, ConsoleViewCell, ConsoleViewData, ConsoleViewSection } from "./console/views.ts";
export { effectiveAcl } from "./cos/acl.ts";
export { cosResource } from "./cos/cam-needs.ts";
export { storedContentType } from "./cos/content-type.ts";
export { CosError } from "./cos/errors.ts";
export {
  MAX_KEY_BYTES,
  MAX_KEYS_PER_DELETE,
  MAX_KEYS_PER_LIST,
  MAX_OBJECT_BYTES,
  MAX_PARTS,
  MAX_PARTS_PER_LIST,
  MAX_TAG_KEY_CHARS,
  MAX_TAG_VALUE_CHARS,
  MAX_TAGS,
  MAX_UPLOADS_PER_LIST,
  MAX_XML_BODY_BYTES,
  MIN_PART_BYTES,
} from "./cos/limits.ts";
export { parseRange } from "./cos/objects.ts";
export { Replicator } from "./cos/replication.ts";
export type { CiProcessHandler, CosChange } from "./cos/request.ts";
export { ARCHIVE_CLASSES, DEFAULT_RESTORE_DELAYS_MS } from "./cos/restore.ts";
export { CI_ACTIONS, COS_ROUTES, type CosRoute, type CosScope, matchCosRoute } from "./cos/routes.ts";
export { signCosRequest } from "./cos/sign-request.ts";
export { type Credentials, camSafeUrlEncode, cosSignature, verifyCosSignature } from "./cos/signature.ts";
export {
  type Bucket,
  type BucketAcl,
  type DeleteOutcome,
  type ListVersionsOptions,
  type ListVersionsResult,
  type ObjectAcl,
  type ObjectAttributes,
  ObjectStore,
  type OriginRule,
  type ReplicationConfiguration,
  type ReplicationRule,
  type ReplicationStatus,
  type RestoreState,
  type RestoreTier,
  type StoredObject,
  type VersioningStatus,
  versionIdOf,
} from "./cos/store.ts";
export {
  MAX_TRAFFIC_LIMIT,
  MIN_TRAFFIC_LIMIT,
  PACING_STEPS_PER_SECOND,
  paced,
  REAL_TRANSFER_CLOCK,
  type TransferClock,
} from "./cos/traffic-limit.ts";
export { type FaultKind, type FaultRule, Faults } from "./faults.ts";
export { LOCAL_CLOUD_NODE_FLAGS } from "./node-flags.ts";
export { type PostObjectAnswer, type PostObjectForm, postObjectForm } from "./post-form.ts";
export { type LoggedService, RequestLog, type RequestLogEntry } from "./request-log.ts";
export { type ScfContext, type ScfContextOverrides, scfContext } from "./scf-context.ts";
export {
  credentialsFromEnv,
  LOCAL_CREDENTIALS,
  type LocalCloud,
  type LocalCloudOptions,
  startLocalCloud,
} from "./server.ts";
export { seedObject, storedBytes, storedKeys, storedText } from "./stored.ts";
export {
  describeRule,
  eventPatternsOverlap,
  rulesOverlap,
  type TriggerFilter,
  TriggerOverlapError,
} from "./trigger-overlap.ts";
export {
  type AttemptLog,
  type BoundRule,
  type Invocation,
  type InvocationAttempt,
  type MatchedRule,
  type ScfHandler,
  type TriggerRule,
  Triggers,
} from "./triggers.ts";
