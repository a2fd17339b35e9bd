import { createHash, createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { CosfnError } from "@cosfn/errors";
import { type CamNeed, type CamPolicy, camDenied } from "./cam.ts";
import type { Credentials } from "./cos/signature.ts";
import type { RequestDraft } from "./request-log.ts";

/** One Cloud API 3.0 call the local cloud received, whether it succeeded or not. */
export interface CloudApiCall {
  service: string;
  action: string;
  version: string;
  region: string | undefined;
  params: Record<string, unknown>;
  at: Date;
  /** The error code answered, if any. */
  error?: string;
}

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

export interface CloudApiFailure {
  /** `cdn:PurgeUrlsCache`, or an action name for any service. */
  action: string;
  code: string;
  message?: string;
  /** How many calls fail; default every one. */
  times?: number;
}

export interface CloudApiOptions {
  credentials: () => readonly Credentials[];
  /** CDN domains that exist; purging another host fails with ResourceNotFound.CdnHostNotExists. Default: any. */
  cdnDomains?: string[];
  /** EdgeOne zones that exist. Default: any. */
  teoZones?: string[];
  /** The CAM policy of a SecretId, if it has one; calls signed by it must be allowed by it. */
  policyFor?: (secretId: string) => CamPolicy | undefined;
}

/** The CAM need of a Cloud API call: `<service>:<Action>` on `*`. */
export function cloudApiNeed(service: string, action: string): CamNeed {
  return { action: `${service}:${action}`, resource: "*" };
}

/** The service a Cloud API request is for: its host (`cdn.tencentcloudapi.com`), else its credential scope. */
export function cloudApiService(req: IncomingMessage): string {
  const host = /^([a-z0-9]+)\.(?:[a-z0-9-]+\.)?tencentcloudapi\.com(?::\d+)?$/.exec(req.headers.host ?? "");
  if (host) return host[1] as string;
  return /\/([a-z0-9]+)\/tc3_request/.exec(header(req, "authorization") ?? "")?.[1] ?? "unknown";
}

type Area = "mainland" | "overseas";

/** REFERENCE §3: per request and per day, per area. */
export const CDN_LIMITS = { urlBatch: 1000, urlDay: 10_000, pathBatch: 20, pathDay: 100 };

/**
 * Tencent Cloud API 3.0 for `cdn` and `teo`: TC3-HMAC-SHA256 verification, a record of every call, the API's
 * JSON answers, and throttling, daily quotas and chosen failures for tests.
 */
export class CloudApi {
  readonly calls: CloudApiCall[] = [];
  readonly #options: CloudApiOptions;
  readonly #failures: (CloudApiFailure & { used: number })[] = [];
  readonly #used = new Map<string, number>();
  #day = utcDay(new Date());
  #throttle: number | undefined;
  readonly #recent: number[] = [];

  constructor(options: CloudApiOptions) {
    this.#options = options;
  }

  /** Answer `RequestLimitExceeded` past this many requests a second (all actions). `undefined` turns it off. */
  throttle(perSecond: number | undefined): void {
    this.#throttle = perSecond;
    this.#recent.length = 0;
  }

  /** Make chosen calls fail with a given code. */
  fail(failure: CloudApiFailure): void {
    this.#failures.push({ ...failure, used: 0 });
  }

  /** Forget injected failures, throttling and the quota used today. */
  reset(): void {
    this.#failures.length = 0;
    this.#throttle = undefined;
    this.#used.clear();
    this.calls.length = 0;
  }

  /** How much of a daily quota was used: `url:mainland`, `path:overseas`... */
  used(quota: string): number {
    this.#rollDay();
    return this.#used.get(quota) ?? 0;
  }

  /** Serves one call; `draft`, if given, is the request log's entry in the making. */
  async handle(req: IncomingMessage, res: ServerResponse, draft?: RequestDraft): Promise<void> {
    const requestId = randomUUID();
    if (draft) draft.requestId = requestId;
    const body = await readBody(req);
    const action = header(req, "x-tc-action") ?? "";
    const version = header(req, "x-tc-version") ?? "";
    const region = header(req, "x-tc-region");
    let call: CloudApiCall | undefined;
    try {
      if (req.method !== "POST")
        throw new CloudApiError("UnsupportedProtocol", "the local cloud accepts POST requests with a JSON body");
      const secretId = /Credential=([^/,\s]+)\//.exec(header(req, "authorization") ?? "")?.[1];
      if (draft) draft.secretId = secretId ?? null;
      const service = verifyTc3(req, body, this.#options.credentials());
      const need = cloudApiNeed(service, action);
      if (draft) {
        draft.service = service;
        draft.needs = [need];
      }
      const policy = secretId ? this.#options.policyFor?.(secretId) : undefined;
      if (policy && camDenied(policy, [need]).length > 0) {
        if (draft) draft.denied = true;
        throw new CloudApiError(
          "AuthFailure.UnauthorizedOperation",
          `You are not authorized to perform this operation. Check your CAM policies. [[request id:${requestId}]you are not authorized to perform operation (${need.action})\nresource (${need.resource}) has no permission`,
        );
      }
      let params: Record<string, unknown>;
      try {
        params = body.length ? JSON.parse(body.toString("utf8")) : {};
      } catch {
        throw new CloudApiError("InvalidParameter", "the request body is not JSON");
      }
      call = { service, action, version, region, params, at: new Date() };
      this.calls.push(call);
      this.#checkThrottle();
      this.#checkFailures(service, action);
      const response = this.#dispatch(service, action, params);
      send(res, { Response: { ...response, RequestId: requestId } });
    } catch (error) {
      const e = error instanceof CloudApiError ? error : new CloudApiError("InternalError", (error as Error).message);
      if (call) call.error = e.code;
      if (draft) draft.errorCode = e.code;
      send(res, { Response: { Error: { Code: e.code, Message: e.message }, RequestId: requestId } });
    }
  }

  #checkThrottle(): void {
    if (this.#throttle === undefined) return;
    const now = Date.now();
    while (this.#recent.length > 0 && (this.#recent[0] as number) <= now - 1000) this.#recent.shift();
    if (this.#recent.length >= this.#throttle) {
      throw new CloudApiError("RequestLimitExceeded", `the request rate exceeds ${this.#throttle} per second`);
    }
    this.#recent.push(now);
  }

  #checkFailures(service: string, action: string): void {
    for (const failure of this.#failures) {
      if (failure.action !== action && failure.action !== `${service}:${action}`) continue;
      if (failure.times !== undefined && failure.used >= failure.times) continue;
      failure.used++;
      throw new CloudApiError(failure.code, failure.message ?? `injected failure ${failure.code}`);
    }
  }

  #rollDay(): void {
    const today = utcDay(new Date());
    if (today !== this.#day) {
      this.#day = today;
      this.#used.clear();
    }
  }

  #spend(kind: "url" | "path", area: Area, count: number, perDay: number, code: string): void {
    this.#rollDay();
    const quota = `${kind}:${area}`;
    const used = this.#used.get(quota) ?? 0;
    if (used + count > perDay) {
      throw new CloudApiError(
        code,
        `the daily ${kind} purge quota for ${area} is ${perDay}; ${perDay - used} left, ${count} asked`,
      );
    }
    this.#used.set(quota, used + count);
  }

  #dispatch(service: string, action: string, params: Record<string, unknown>): Record<string, unknown> {
    const key = `${service}:${action}`;
    switch (key) {
      case "cdn:PurgeUrlsCache":
        return this.#purgeUrls(params);
      case "cdn:PurgePathCache":
        return this.#purgePaths(params);
      case "cdn:PushUrlsCache":
        this.#checkUrls(strings(params, "Urls"), { wildcards: false });
        return { TaskId: taskId() };
      case "cdn:DescribePurgeQuota":
        return {
          UrlPurge: (["mainland", "overseas"] as const).map((area) => ({
            Area: area,
            Batch: CDN_LIMITS.urlBatch,
            Total: CDN_LIMITS.urlDay,
            Available: CDN_LIMITS.urlDay - this.used(`url:${area}`),
          })),
          PathPurge: (["mainland", "overseas"] as const).map((area) => ({
            Area: area,
            Batch: CDN_LIMITS.pathBatch,
            Total: CDN_LIMITS.pathDay,
            Available: CDN_LIMITS.pathDay - this.used(`path:${area}`),
          })),
        };
      case "teo:CreatePurgeTask":
        return this.#teoTask(params, ["purge_url", "purge_prefix", "purge_host", "purge_all", "purge_cache_tag"]);
      case "teo:CreatePrefetchTask":
        return this.#teoTask({ ...params, Type: "prefetch" }, ["prefetch"]);
      default:
        throw new CloudApiError("InvalidAction", `the local cloud does not implement ${service}:${action}`);
    }
  }

  #area(params: Record<string, unknown>): Area {
    const area = params.Area ?? "mainland";
    if (area !== "mainland" && area !== "overseas") {
      throw new CloudApiError(
        "InvalidParameter.CdnParamError",
        `Area must be mainland or overseas, got ${JSON.stringify(area)}`,
      );
    }
    return area;
  }

  #checkUrls(urls: string[], { wildcards }: { wildcards: boolean }): void {
    for (const url of urls) {
      const match = /^https?:\/\/([^/?#]+)/.exec(url);
      if (!match)
        throw new CloudApiError("InvalidParameter.CdnParamError", `${JSON.stringify(url)} is not a URL with a scheme`);
      if (url.length > 1000)
        throw new CloudApiError(
          "InvalidParameter.CdnUrlExceedLength",
          `URL longer than 1000 characters: ${url.slice(0, 60)}...`,
        );
      if (!wildcards && url.includes("*"))
        throw new CloudApiError("InvalidParameter.CdnPurgeWildcardNotAllowed", `wildcards are not allowed: ${url}`);
      const host = (match[1] as string).toLowerCase();
      const domains = this.#options.cdnDomains;
      if (domains && !domains.includes(host))
        throw new CloudApiError(
          "ResourceNotFound.CdnHostNotExists",
          `domain ${host} is not a CDN domain of this account`,
        );
    }
  }

  #purgeUrls(params: Record<string, unknown>): Record<string, unknown> {
    const urls = strings(params, "Urls");
    if (urls.length === 0) throw new CloudApiError("InvalidParameter.CdnParamError", "Urls is empty");
    if (urls.length > CDN_LIMITS.urlBatch) {
      throw new CloudApiError(
        "LimitExceeded.CdnPurgeUrlExceedBatchLimit",
        `at most ${CDN_LIMITS.urlBatch} URLs per request, got ${urls.length}`,
      );
    }
    this.#checkUrls(urls, { wildcards: false });
    this.#spend("url", this.#area(params), urls.length, CDN_LIMITS.urlDay, "LimitExceeded.CdnPurgeUrlExceedDayLimit");
    return { TaskId: taskId() };
  }

  #purgePaths(params: Record<string, unknown>): Record<string, unknown> {
    const paths = strings(params, "Paths");
    if (paths.length === 0) throw new CloudApiError("InvalidParameter.CdnParamError", "Paths is empty");
    if (paths.length > CDN_LIMITS.pathBatch) {
      throw new CloudApiError(
        "LimitExceeded.CdnPurgePathExceedBatchLimit",
        `at most ${CDN_LIMITS.pathBatch} paths per request, got ${paths.length}`,
      );
    }
    if (params.FlushType !== "flush" && params.FlushType !== "delete") {
      throw new CloudApiError(
        "InvalidParameter.CdnParamError",
        `FlushType must be flush or delete, got ${JSON.stringify(params.FlushType)}`,
      );
    }
    this.#checkUrls(paths, { wildcards: false });
    this.#spend(
      "path",
      this.#area(params),
      paths.length,
      CDN_LIMITS.pathDay,
      "LimitExceeded.CdnPurgePathExceedDayLimit",
    );
    return { TaskId: taskId() };
  }

  #teoTask(params: Record<string, unknown>, types: string[]): Record<string, unknown> {
    const zone = params.ZoneId;
    if (typeof zone !== "string" || zone === "") throw new CloudApiError("MissingParameter", "ZoneId is required");
    if (this.#options.teoZones && !this.#options.teoZones.includes(zone)) {
      throw new CloudApiError("ResourceNotFound", `zone ${zone} does not exist`);
    }
    if (!types.includes(String(params.Type))) {
      throw new CloudApiError(
        "InvalidParameter",
        `Type must be one of ${types.join(", ")}, got ${JSON.stringify(params.Type)}`,
      );
    }
    if (params.Method !== undefined && params.Method !== "invalidate" && params.Method !== "delete") {
      throw new CloudApiError(
        "InvalidParameter",
        `Method must be invalidate or delete, got ${JSON.stringify(params.Method)}`,
      );
    }
    const targets = params.Type === "purge_all" ? [] : strings(params, "Targets");
    if (params.Type !== "purge_all" && targets.length === 0)
      throw new CloudApiError("InvalidParameter", "Targets is empty");
    return { JobId: `job-${randomUUID()}`, FailedList: [] };
  }
}

function strings(params: Record<string, unknown>, name: string): string[] {
  const value = params[name] ?? [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw new CloudApiError("InvalidParameter", `${name} must be a list of strings`);
  }
  return value as string[];
}

function taskId(): string {
  return `${Date.now().toString(16)}-${randomUUID().slice(0, 8)}`;
}

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, body: unknown): void {
  const text = Buffer.from(JSON.stringify(body));
  res.writeHead(200, { "Content-Type": "application/json", "Content-Length": text.length });
  res.end(text);
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data, "utf8").digest();
const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/**
 * Verifies a TC3-HMAC-SHA256 signature (Cloud API 3.0) and returns the service it was signed for. Errors use
 * the API's codes: AuthFailure.SignatureFailure, .SecretIdNotFound, .SignatureExpire, .TokenFailure.
 */
export function verifyTc3(
  req: IncomingMessage,
  body: Buffer,
  accepted: readonly Credentials[],
  nowMs = Date.now(),
): string {
  const authorization = header(req, "authorization") ?? "";
  const match =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z0-9]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match)
    throw new CloudApiError(
      "AuthFailure.SignatureFailure",
      "the Authorization header is not a TC3-HMAC-SHA256 signature",
    );
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const credentials = accepted.find((c) => c.secretId === secretId);
  if (!credentials) throw new CloudApiError("AuthFailure.SecretIdNotFound", "the SecretId is not found");
  const timestamp = Number(header(req, "x-tc-timestamp"));
  if (!Number.isFinite(timestamp) || Math.abs(nowMs / 1000 - timestamp) > 300) {
    throw new CloudApiError(
      "AuthFailure.SignatureExpire",
      "the signature has expired: X-TC-Timestamp is more than 5 minutes from the server's time",
    );
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== date) {
    throw new CloudApiError("AuthFailure.SignatureFailure", "the credential date does not match X-TC-Timestamp");
  }
  const url = req.url ?? "/";
  const queryAt = url.indexOf("?");
  const canonicalHeaders = signedHeaders
    .split(";")
    .map((name) => {
      const value = (header(req, name) ?? "").trim();
      return `${name}:${name === "host" ? value.replace(/:\d+$/, "").toLowerCase() : value.toLowerCase()}\n`;
    })
    .join("");
  const canonicalRequest = [
    req.method ?? "POST",
    queryAt < 0 ? url : url.slice(0, queryAt),
    queryAt < 0 ? "" : url.slice(queryAt + 1),
    canonicalHeaders,
    signedHeaders,
    sha256(body),
  ].join("\n");
  const stringToSign = [
    "TC3-HMAC-SHA256",
    String(timestamp),
    `${date}/${service}/tc3_request`,
    sha256(canonicalRequest),
  ].join("\n");
  const key = hmac(hmac(hmac(`TC3${credentials.secretKey}`, date), service), "tc3_request");
  const expected = Buffer.from(createHmac("sha256", key).update(stringToSign, "utf8").digest("hex"));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new CloudApiError("AuthFailure.SignatureFailure", "the request signature does not match");
  }
  if (credentials.sessionToken !== undefined && header(req, "x-tc-token") !== credentials.sessionToken) {
    throw new CloudApiError("AuthFailure.TokenFailure", "the X-TC-Token does not match the temporary credentials");
  }
  return service;
}
