/** What every error a function reports carries: a code, whether a retry can help, and a cause. */
export interface FunctionErrorFields {
  code: string;
  retryable: boolean;
}

/**
 * A failure a retry will not fix (a corrupt archive, an unsupported image, a bad setting). Reported in the
 * summary; SCF is not asked to retry unless `FAIL_ON_PERMANENT=true`.
 */
export class PermanentError extends Error implements FunctionErrorFields {
  override readonly name: string = "PermanentError";
  readonly code: string;
  readonly retryable = false;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A failure a retry may fix (throttling, a reset, the deadline). The handler throws so that SCF retries. */
export class RetryableError extends Error implements FunctionErrorFields {
  override readonly name: string = "RetryableError";
  readonly code: string;
  readonly retryable = true;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A setting is missing or malformed: names the variable, the value and the accepted form. */
export class ConfigError extends PermanentError {
  override readonly name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, value: string | undefined, expected: string) {
    super(
      "CONFIG_ERROR",
      value === undefined
        ? `${variable} is required: expected ${expected}`
        : `${variable}=${JSON.stringify(value)}: expected ${expected}`,
    );
    this.variable = variable;
  }
}

/** Work stopped because the invocation's time limit was near; the retry continues it. */
export class DeadlineError extends RetryableError {
  override readonly name = "DeadlineError";
  constructor(message = "stopped before the function's time limit; SCF's retry continues the work") {
    super("DEADLINE", message);
  }
}

/**
 * Whether an error is worth retrying: its own `retryable` flag when it has one (cosfn errors, `@cosfn/cos`
 * errors); otherwise yes, since an unknown failure may be transient and every function is idempotent.
 */
export function isRetryable(error: unknown): boolean {
  const flag = (error as { retryable?: unknown } | null)?.retryable;
  return typeof flag === "boolean" ? flag : true;
}

/** The code of an error: its `code` when it is a string, else its name. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  return (error as Error | null)?.name ?? "Error";
}
