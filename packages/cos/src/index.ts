export {
  CosClient,
  type CosClientOptions,
  type CosCredentials,
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
  CosRequestError,
  CosTagLimitError,
  toCosRequestError,
} from "./errors.ts";
export { type WriteObjectInput, type WriteObjectResult, withRetries } from "./writer.ts";
