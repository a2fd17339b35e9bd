export {
  CosClient,
  type CosClientOptions,
  cosSettingsFromEnv,
  createCosClient,
  type ListedObject,
  MAX_OBJECT_TAGS,
  type ObjectInfo,
  type RangeSource,
} from "./client.ts";
export {
  CosConfigError,
  type CosErrorContext,
  CosObjectChangedError,
  CosRequestError,
  CosTagLimitError,
} from "./errors.ts";
export { backOff, type RetryOptions, withRetries } from "./retry.ts";
export type { CosCredentials } from "./sdk.ts";
export type { WriteObjectInput, WriteObjectResult } from "./writer.ts";
