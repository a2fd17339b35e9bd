import { CosfnError } from "@cosfn/errors";

/** An error answered in the API's JSON shape: `{"Response": {"Error": {Code, Message}, RequestId}}`. */
export class CloudApiError extends CosfnError {
  override readonly name = "CloudApiError";
  constructor(code: string, message: string) {
    // What a client may retry: throttling and internal errors, as the real APIs' clients do.
    super(code, message, {
      transient:
        code === "RequestLimitExceeded" || code.endsWith("RateLimitExceeded") || code.startsWith("InternalError"),
    });
  }
}

/** A list parameter of strings (`Urls`, `Paths`, `Targets`); absent is empty. Anything else fails with `code`. */
export function stringList(params: Record<string, unknown>, name: string, code: string): string[] {
  const value = params[name] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new CloudApiError(code, `${name} must be a list of strings`);
  }
  return value as string[];
}

/** An optional parameter that must be a boolean when given (`UrlEncode`, `EncodeUrl`, `ParseM3U8`). */
export function optionalBoolean(params: Record<string, unknown>, name: string, code: string): void {
  if (params[name] !== undefined && typeof params[name] !== "boolean") {
    throw new CloudApiError(code, `${name} must be a boolean, got ${JSON.stringify(params[name])}`);
  }
}

/** An optional parameter that must be one of `values` when given. */
export function optionalChoice<T extends string>(
  params: Record<string, unknown>,
  name: string,
  values: readonly T[],
  code: string,
): T | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (!values.includes(value as T)) {
    throw new CloudApiError(code, `${name} must be one of ${values.join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** Headers given as `[{Name, Value}]` (CDN's `HTTPHeader`, EdgeOne's `Header`), checked against the limits. */
export function checkHeaders(
  params: Record<string, unknown>,
  limits: { count: number; nameBytes: number; valueBytes: number },
  code: string,
): void {
  const headers = params.Headers;
  if (headers === undefined) return;
  const valid =
    Array.isArray(headers) &&
    headers.every(
      (h) =>
        typeof h === "object" &&
        h !== null &&
        typeof (h as { Name?: unknown }).Name === "string" &&
        typeof (h as { Value?: unknown }).Value === "string",
    );
  if (!valid) throw new CloudApiError(code, "Headers must be a list of {Name, Value} strings");
  const list = headers as { Name: string; Value: string }[];
  if (list.length > limits.count) throw new CloudApiError(code, `at most ${limits.count} Headers, got ${list.length}`);
  for (const { Name, Value } of list) {
    if (Name === "" || Buffer.byteLength(Name) > limits.nameBytes || Buffer.byteLength(Value) > limits.valueBytes) {
      throw new CloudApiError(
        code,
        `header names are 1-${limits.nameBytes} bytes and values at most ${limits.valueBytes} bytes: ${Name}`,
      );
    }
  }
}
