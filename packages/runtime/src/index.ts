export type { ScfContext } from "@cosfn/events";
export { EnvReader, parseBytes } from "./env.ts";
export {
  ConfigError,
  CosfnError,
  DeadlineError,
  errorCode,
  errorMessage,
  isRetryable,
  isTransient,
  PermanentError,
  RetryableError,
} from "./errors.ts";
export { type RecordFilter, skipReason, WRITER_MARKER, writerMetadata, writtenBy } from "./filter.ts";
export {
  createHandler,
  type HandlerOptions,
  type RecordContext,
  type RecordResult,
} from "./handler.ts";
export { type RoleCredentials, roleCredentials, type SetupContext } from "./instance.ts";
export { Logger, type LoggerOptions, type LogLevel } from "./logger.ts";
export { Redactor, redact } from "./redact.ts";
export { type HandlerSummary, InvocationFailedError, type RecordSummary } from "./summary.ts";
