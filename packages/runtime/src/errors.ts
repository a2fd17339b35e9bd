import { PermanentError, RetryableError } from "@cosfn/errors";

export {
  CosfnError,
  errorCode,
  errorMessage,
  isRetryable,
  isTransient,
  PermanentError,
  RetryableError,
} from "@cosfn/errors";

/** A setting is missing or malformed: names the variable, the value and the accepted form. */
export class ConfigError extends PermanentError {
  override readonly name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, value: string | undefined, expected: string, options?: { cause?: unknown }) {
    super(
      "CONFIG_ERROR",
      value === undefined
        ? `${variable} is required: expected ${expected}`
        : `${variable}=${JSON.stringify(value)}: expected ${expected}`,
      options,
    );
    this.variable = variable;
  }
}

/** Work stopped because the invocation's time limit was near; the retry continues it. */
export class DeadlineError extends RetryableError {
  override readonly name = "DeadlineError";
  constructor(
    message = "stopped before the function's time limit; SCF's retry continues the work",
    options?: { cause?: unknown },
  ) {
    super("DEADLINE", message, options);
  }
}
