import { CosfnError } from "@cosfn/errors";

/** COS's error codes this server answers with, and their HTTP status. */
const STATUS: Record<string, number> = {
  AccessDenied: 403,
  BadDigest: 400,
  BucketAlreadyExists: 409,
  BucketAlreadyOwnedByYou: 409,
  BucketNotEmpty: 409,
  EntityTooLarge: 400,
  EntityTooSmall: 400,
  IncompleteBody: 400,
  InvalidAccessKeyId: 403,
  InvalidArgument: 400,
  InvalidBucketName: 400,
  InvalidDigest: 400,
  InvalidImageFormat: 400,
  InvalidObjectState: 403,
  InvalidImageSize: 400,
  ImageTooLarge: 400,
  InvalidURI: 400,
  InvalidPart: 400,
  InvalidPolicyDocument: 400,
  MalformedPOSTRequest: 400,
  InvalidPartOrder: 400,
  InvalidRange: 416,
  InvalidRequest: 400,
  InvalidTag: 400,
  KeyTooLong: 400,
  MalformedXML: 400,
  MethodNotAllowed: 405,
  MissingContentLength: 411,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  NoSuchOriginConfiguration: 404,
  NoSuchUpload: 404,
  NoSuchVersion: 404,
  NotImplemented: 501,
  PreconditionFailed: 412,
  ReplicationConfigurationnotFoundError: 404,
  /** Cloud Infinite's rate limit (`X-ErrNo: -29214`). */
  RequestLimitExceeded: 429,
  RequestTimeTooSkewed: 403,
  RestoreAlreadyInProgress: 409,
  SignatureDoesNotMatch: 403,
  SlowDown: 503,
  InternalError: 500,
};

/** An error COS would answer with: its code, message and HTTP status. */
export class CosError extends CosfnError {
  override readonly name = "CosError";
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(code: string, message: string, headers: Record<string, string> = {}) {
    const status = STATUS[code] ?? 400;
    // What a client may retry: 5xx and throttling, as @cosfn/cos does.
    super(code, message, { transient: status >= 500 || status === 429 || code === "SlowDown" });
    this.status = status;
    this.headers = headers;
  }
}
