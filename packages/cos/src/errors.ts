/** Where a COS request went wrong: the bucket and key it was about, and the operation. */
export interface CosErrorContext {
  operation: string;
  bucket: string;
  key?: string;
}

const RETRYABLE_CODES = new Set([
  "SlowDown",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ChecksumMismatch",
  "IncompleteBody",
]);

/**
 * A COS request that failed: COS's error code (`NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`...) or the
 * network's (`ECONNRESET`), the HTTP status, and whether trying again can help (5xx, throttling, resets,
 * truncated or corrupted transfers) or not (anything the request itself got wrong).
 */
export class CosRequestError extends Error {
  override readonly name = "CosRequestError";
  readonly code: string;
  readonly statusCode: number | undefined;
  readonly retryable: boolean;
  readonly requestId: string | undefined;
  readonly bucket: string;
  readonly key: string | undefined;

  constructor(
    fields: { code: string; message: string; statusCode?: number | undefined; requestId?: string | undefined },
    context: CosErrorContext,
    cause?: unknown,
  ) {
    const where = context.key === undefined ? `cos://${context.bucket}` : `cos://${context.bucket}/${context.key}`;
    super(`${context.operation} ${where}: ${fields.code}: ${fields.message}`, { cause });
    this.code = fields.code;
    this.statusCode = fields.statusCode;
    this.requestId = fields.requestId;
    this.bucket = context.bucket;
    this.key = context.key;
    this.retryable =
      RETRYABLE_CODES.has(fields.code) ||
      (fields.statusCode !== undefined && (fields.statusCode >= 500 || fields.statusCode === 429));
  }
}

/** An object would carry more tags than COS allows (10). Permanent. */
export class CosTagLimitError extends Error {
  override readonly name = "CosTagLimitError";
  readonly code = "TagLimitExceeded";
  readonly retryable = false;
}

/** The client cannot be built: missing credentials or a malformed endpoint. */
export class CosConfigError extends Error {
  override readonly name = "CosConfigError";
  readonly code = "CosConfigError";
  readonly retryable = false;
}

interface SdkError {
  code?: string | number;
  statusCode?: number;
  message?: string;
  error?: { Code?: string; Message?: string; RequestId?: string } | string;
  headers?: Record<string, string>;
  RequestId?: string;
}

/** Maps whatever the SDK rejected with (COS error XML, a bare status, a socket error) to a CosRequestError. */
export function toCosRequestError(error: unknown, context: CosErrorContext): CosRequestError {
  if (error instanceof CosRequestError) return error;
  const e = (error ?? {}) as SdkError;
  const body = typeof e.error === "object" ? e.error : undefined;
  const headerCode = e.headers?.["x-cos-error-code"];
  const rawCode = body?.Code ?? headerCode ?? (e.code !== undefined ? String(e.code) : undefined);
  const statusCode = e.statusCode ?? (rawCode && /^\d{3}$/.test(rawCode) ? Number(rawCode) : undefined);
  const code =
    rawCode && !/^\d{3}$/.test(rawCode) ? rawCode : statusCode === 404 ? "NoSuchKey" : `HTTP${statusCode ?? "Error"}`;
  const message = body?.Message ?? e.message ?? String(error);
  return new CosRequestError(
    { code, message, statusCode, requestId: body?.RequestId ?? e.RequestId ?? e.headers?.["x-cos-request-id"] },
    context,
    error,
  );
}
