import { CosfnError, PermanentError, TRANSIENT_NETWORK_CODES } from "@cosfn/errors";

/** Where a COS request went wrong: the bucket and key it was about, and the operation. */
export interface CosErrorContext {
  operation: string;
  bucket: string;
  key?: string;
}

/** COS error codes and network failures that trying the same request again can cure. */
const TRANSIENT_CODES = new Set([
  "SlowDown",
  "InternalError",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeTooSkewed",
  "ChecksumMismatch",
  "IncompleteBody",
  ...TRANSIENT_NETWORK_CODES,
]);

/**
 * A COS request that failed: COS's error code (`NoSuchKey`, `SignatureDoesNotMatch`, `SlowDown`...) or the
 * network's (`ECONNRESET`), the HTTP status, and whether trying again can help (5xx, throttling, resets,
 * truncated or corrupted transfers: `transient`, and so `retryable`) or not (anything the request itself got
 * wrong).
 */
export class CosRequestError extends CosfnError {
  override readonly name: string = "CosRequestError";
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  readonly bucket: string;
  readonly key: string | undefined;

  constructor(
    fields: { code: string; message: string; statusCode?: number | undefined; requestId?: string | undefined },
    context: CosErrorContext,
    cause?: unknown,
  ) {
    const where = context.key === undefined ? `cos://${context.bucket}` : `cos://${context.bucket}/${context.key}`;
    const transient =
      TRANSIENT_CODES.has(fields.code) ||
      (fields.statusCode !== undefined && (fields.statusCode >= 500 || fields.statusCode === 429));
    super(fields.code, `${context.operation} ${where}: ${fields.code}: ${fields.message}`, { transient, cause });
    this.statusCode = fields.statusCode;
    this.requestId = fields.requestId;
    this.bucket = context.bucket;
    this.key = context.key;
  }
}

/**
 * The object is no longer the one a read was pinned to (`If-Match` on the ETag seen first): it was replaced or
 * deleted meanwhile. Permanent for this work: the new object brings its own event.
 */
export class CosObjectChangedError extends CosRequestError {
  override readonly name = "CosObjectChangedError";
  /** The ETag the read was pinned to. */
  readonly expectedEtag: string;
  constructor(context: CosErrorContext, expectedEtag: string, cause?: unknown) {
    super(
      {
        code: "ObjectChanged",
        message: `the object changed while it was read (it no longer has ETag "${expectedEtag}")`,
        statusCode: 412,
      },
      context,
      cause,
    );
    this.expectedEtag = expectedEtag;
  }
}

/** An object would carry more tags than COS allows (10). Permanent. */
export class CosTagLimitError extends PermanentError {
  override readonly name = "CosTagLimitError";
  constructor(message: string) {
    super("TagLimitExceeded", message);
  }
}

/** The client cannot be built: missing credentials or a malformed endpoint. */
export class CosConfigError extends PermanentError {
  override readonly name = "CosConfigError";
  constructor(message: string) {
    super("CosConfigError", message);
  }
}

interface SdkError {
  code?: string | number;
  statusCode?: number;
  message?: string;
  error?: { Code?: string; Message?: string; RequestId?: string } | string;
  headers?: Record<string, string>;
  RequestId?: string;
}

/**
 * Maps whatever the SDK rejected with (COS error XML, a bare status, a socket error) to a CosRequestError; a
 * 412 on a read pinned to `ifMatch` becomes a CosObjectChangedError.
 */
export function toCosRequestError(error: unknown, context: CosErrorContext, ifMatch?: string): CosRequestError {
  if (error instanceof CosRequestError) return error;
  const e = (error ?? {}) as SdkError;
  const body = typeof e.error === "object" ? e.error : undefined;
  const headerCode = e.headers?.["x-cos-error-code"];
  const rawCode = body?.Code ?? headerCode ?? (e.code !== undefined ? String(e.code) : undefined);
  const statusCode = e.statusCode ?? (rawCode && /^\d{3}$/.test(rawCode) ? Number(rawCode) : undefined);
  if (ifMatch !== undefined && (statusCode === 412 || rawCode === "PreconditionFailed")) {
    return new CosObjectChangedError(context, ifMatch, error);
  }
  const code =
    rawCode && !/^\d{3}$/.test(rawCode) ? rawCode : statusCode === 404 ? "NoSuchKey" : `HTTP${statusCode ?? "Error"}`;
  const message = body?.Message ?? e.message ?? String(error);
  return new CosRequestError(
    { code, message, statusCode, requestId: body?.RequestId ?? e.RequestId ?? e.headers?.["x-cos-request-id"] },
    context,
    error,
  );
}
