/** What every error cosfn throws carries. */
export interface ErrorFields {
  /** A stable, machine-readable name for what went wrong: `NoSuchKey`, `ARCHIVE_REFUSED`, `CONFIG_ERROR`. */
  readonly code: string;
  /** Whether SCF's retry of the whole invocation can help. */
  readonly retryable: boolean;
  /** Whether trying the same request again, now, can help (a reset, a 5xx, throttling). Implies `retryable`. */
  readonly transient: boolean;
}

export interface CosfnErrorOptions {
  /** Default: false. */
  retryable?: boolean;
  /** Default: false. A transient error is always retryable. */
  transient?: boolean;
  cause?: unknown;
}

/**
 * The base of every error class in cosfn: a `code`, whether a retry can help (`retryable` for the invocation,
 * `transient` for the request), and the `cause` it wraps. The message says what was wrong and where.
 */
export class CosfnError extends Error implements ErrorFields {
  override readonly name: string = "CosfnError";
  readonly code: string;
  readonly retryable: boolean;
  readonly transient: boolean;

  constructor(code: string, message: string, options: CosfnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.transient = options.transient ?? false;
    this.retryable = this.transient || (options.retryable ?? false);
  }
}

/**
 * A failure a retry will not fix (a corrupt archive, an unsupported image, a bad setting). Reported in the
 * summary; SCF is not asked to retry unless `FAIL_ON_PERMANENT=true`.
 */
export class PermanentError extends CosfnError {
  override readonly name: string = "PermanentError";
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, { ...options, retryable: false });
  }
}

/**
 * A failure a retry of the invocation may fix (the deadline, a dependency that is down). With `transient`, a
 * retry of the request itself may fix it too.
 */
export class RetryableError extends CosfnError {
  override readonly name: string = "RetryableError";
  constructor(code: string, message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(code, message, { ...options, retryable: true });
  }
}
