export type { ScfContext } from "./context.ts";
export { EnvReader, parseBytes } from "./env.ts";
export { ConfigError, DeadlineError, errorCode, isRetryable, PermanentError, RetryableError } from "./errors.ts";
export {
  createHandler,
  type HandlerOptions,
  type HandlerSummary,
  InvocationFailedError,
  type RecordContext,
  type RecordFilter,
  type RecordResult,
  type RecordSummary,
  skipReason,
  WRITER_MARKER,
  writerMetadata,
} from "./handler.ts";
export { Logger, type LogLevel, redact } from "./logger.ts";
