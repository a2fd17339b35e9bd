import { backOff, CosRequestError } from "@cosfn/cos";
import { CosfnError, isTransient } from "@cosfn/errors";
import { XMLParser } from "fast-xml-parser";
import type { RecognizeContext } from "./types.ts";

/** What a CI error means for the image: retry later, or a permanent outcome. */
export type CiErrorKind = "throttled" | "bad-format" | "too-large" | "missing" | "empty" | "denied" | "failed";

/** CI's `X-ErrNo` values (doc 460/8523) and what they mean. */
const ERRNO_KINDS: Record<string, CiErrorKind> = {
  "-29214": "throttled",
  "-441": "bad-format",
  "-443": "bad-format",
  "-442": "too-large",
  "-447": "too-large",
  "-167": "too-large",
  "-6101": "missing",
  "-40168": "empty",
};

const CODES: Record<CiErrorKind, string> = {
  throttled: "CI_THROTTLED",
  "bad-format": "CI_BAD_FORMAT",
  "too-large": "CI_TOO_LARGE",
  missing: "CI_OBJECT_MISSING",
  empty: "CI_EMPTY",
  denied: "CI_ACCESS_DENIED",
  failed: "CI_FAILED",
};

/**
 * A Cloud Infinite request that failed: its kind, CI's `X-ErrNo` when it sent one, the HTTP status. Throttling and
 * 5xx are transient (retried with backoff, then the invocation is retried); anything else is permanent.
 */
export class CiError extends CosfnError {
  override readonly name = "CiError";
  readonly kind: CiErrorKind;
  readonly errno: string | undefined;
  readonly statusCode: number | undefined;
  constructor(kind: CiErrorKind, message: string, fields: { errno?: string; statusCode?: number; cause?: unknown }) {
    const transient = kind === "throttled" || (kind === "failed" && (fields.statusCode ?? 0) >= 500);
    super(CODES[kind], message, { transient, cause: fields.cause });
    this.kind = kind;
    this.errno = fields.errno;
    this.statusCode = fields.statusCode;
  }
}

/** The CI failure a COS client's error stands for, classified by `X-ErrNo`, then status. */
export function toCiError(error: unknown, what: string): CiError | unknown {
  if (!(error instanceof CosRequestError)) return error;
  const headers = (error.cause as { headers?: Record<string, string> } | undefined)?.headers ?? {};
  const errno = headers["x-errno"] ?? headers["X-ErrNo"];
  const statusCode = error.statusCode;
  let kind: CiErrorKind | undefined = errno === undefined ? undefined : ERRNO_KINDS[errno];
  if (!kind) {
    if (statusCode === 429 || statusCode === 503) kind = "throttled";
    else if (statusCode === 404 || error.code === "NoSuchKey") kind = "missing";
    else if (statusCode === 403) kind = "denied";
    else kind = "failed";
  }
  const hint =
    kind === "denied"
      ? " (is the bucket bound to Cloud Infinite with AI content recognition enabled, and does the role allow the ci: action?)"
      : "";
  const errnoText = errno === undefined ? "" : ` X-ErrNo ${errno}`;
  return new CiError(kind, `${what}: ${error.code}${errnoText}: ${error.message}${hint}`, {
    ...(errno !== undefined && { errno }),
    ...(statusCode !== undefined && { statusCode }),
    cause: error,
  });
}

/** Options of one CI request. */
export interface CiRequestOptions {
  attempts: number;
  /** First backoff of a throttled request, doubled each time, with jitter. */
  baseDelayMs?: number;
}

/**
 * `GET /<key>?ci-process=...` on the bucket's domain, signed like any COS request, its XML answer parsed. A
 * throttled answer (X-ErrNo -29214, HTTP 429/503) or a 5xx is tried again with backoff and jitter up to
 * `attempts` times in all; other failures are thrown at once as CiErrors.
 */
export async function ciRequest(
  context: RecognizeContext,
  bucket: string,
  key: string,
  query: Record<string, string>,
  options: CiRequestOptions,
): Promise<Record<string, unknown>> {
  const what = `ci-process=${query["ci-process"]} on cos://${bucket}/${key}`;
  for (let attempt = 1; ; attempt++) {
    context.signal.throwIfAborted();
    try {
      const answer = await context.cos.processObject(bucket, key, query);
      return parseCiXml(answer.body.toString("utf8"), what);
    } catch (caught) {
      const error = toCiError(caught, what);
      if (!isTransient(error)) throw error;
      await backOff(error, attempt, {
        attempts: options.attempts,
        signal: context.signal,
        ...(options.baseDelayMs !== undefined && { baseDelayMs: options.baseDelayMs }),
      });
    }
  }
}

/** Elements that may repeat: parsed as lists even when one arrives alone. */
const LISTS = new Set(["Labels"]);

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => LISTS.has(name),
});

/** CI's XML answer as plain objects (text values kept as strings; `Labels` always a list). */
export function parseCiXml(xml: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parser.parse(xml, true);
  } catch (error) {
    throw new CiError("failed", `${what}: the answer is not XML (${(error as Error).message})`, { cause: error });
  }
  if (parsed === null || typeof parsed !== "object") {
    throw new CiError("failed", `${what}: the answer is empty`, {});
  }
  return parsed as Record<string, unknown>;
}

/** A text value of a parsed element, or `undefined` when absent or empty. */
export function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const string = typeof value === "object" ? "" : String(value).trim();
  return string === "" ? undefined : string;
}

/** A number of a parsed element, or `fallback`. */
export function number(value: unknown, fallback = 0): number {
  const string = text(value);
  const parsed = string === undefined ? Number.NaN : Number(string);
  return Number.isFinite(parsed) ? parsed : fallback;
}
