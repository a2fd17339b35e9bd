export {
  CloudApi,
  type CloudApiCall,
  type CloudApiFailure,
  type CloudApiOptions,
  type CloudApiSettings,
} from "./api.ts";
export { CDN_AREAS, CDN_LIMITS, type CdnArea, type CdnDomain, type CdnLimits } from "./cdn.ts";
export { CloudApiError } from "./errors.ts";
export { quotaDay } from "./quotas.ts";
export { cloudApiNeed, cloudApiService, verifyTc3 } from "./tc3.ts";
export {
  HOST_NOT_IN_ZONE,
  TEO_DEFAULT_QUOTAS,
  type TeoQuota,
  type TeoQuotaType,
  type TeoZone,
  teoQuotaKey,
} from "./teo.ts";
export { REAL_RATE_LIMIT, type ThrottleOptions } from "./throttle.ts";
