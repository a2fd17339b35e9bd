export { errorCode, errorMessage, isRetryable, isTransient } from "./classify.ts";
export { CosfnError, type CosfnErrorOptions, type ErrorFields, PermanentError, RetryableError } from "./errors.ts";
