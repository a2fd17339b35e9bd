export { errorCode, errorMessage, isRetryable, isTransient, TRANSIENT_NETWORK_CODES } from "./classify.ts";
export { CosfnError, type CosfnErrorOptions, type ErrorFields, PermanentError, RetryableError } from "./errors.ts";
