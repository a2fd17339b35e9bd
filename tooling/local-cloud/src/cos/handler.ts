import type { IncomingMessage, ServerResponse } from "node:http";
import { COS_REGIONS } from "@cosfn/events";
import { type CamNeed, camDenied } from "../cam.ts";
import { isSignatureParameter, loggedQuery, type RequestDraft } from "../request-log.ts";
import { effectiveAcl } from "./acl.ts";
import { accessDenied } from "./cam-needs.ts";
import { CosError } from "./errors.ts";
import { MAX_KEY_BYTES } from "./limits.ts";
import { checkObjectKey } from "./object-key.ts";
import type { CosHandlerOptions, CosTarget, RequestContext } from "./request.ts";
import { parseQuery } from "./request.ts";
import { newRequestId, sendError } from "./response.ts";
import { matchCosRoute, type RouteMatch } from "./routes.ts";
import { readAuthorization, verifyCosSignature } from "./signature.ts";
import { TRAFFIC_LIMIT } from "./traffic-limit.ts";

const HOST = /^(?:([a-z0-9][a-z0-9-]*-\d+)\.)?cos\.([a-z0-9-]+)\.myqcloud\.com(?::\d+)?$/;

/** Reads the bucket and region from a COS Host header; `undefined` if the host is not a COS host. */
export function cosTarget(host: string | undefined): CosTarget | undefined {
  if (host === "service.cos.myqcloud.com") return { bucket: undefined, region: "" };
  const match = host === undefined ? null : HOST.exec(host.toLowerCase());
  return match ? { bucket: match[1], region: match[2] as string } : undefined;
}

/** A COS request's path, key, query and route, read before it is served (and before faults are applied). */
export interface ParsedCosRequest {
  target: CosTarget;
  rawPath: string;
  /** The decoded path, or the error answered for a path that is not valid percent-encoding. */
  path: string | CosError;
  key: string;
  queryPairs: [string, string][] | CosError;
  match: RouteMatch | undefined;
}

/** Parses a COS request and finds its route; fills the request log's draft (service, bucket, key, query, needs). */
export function parseCosRequest(req: IncomingMessage, target: CosTarget, draft: RequestDraft): ParsedCosRequest {
  const rawUrl = req.url ?? "/";
  const queryAt = rawUrl.indexOf("?");
  const rawPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
  let path: string | CosError;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    path = new CosError("InvalidURI", "couldn't parse the specified URI");
  }
  let queryPairs: [string, string][] | CosError;
  try {
    queryPairs = parseQuery(queryAt < 0 ? "" : rawUrl.slice(queryAt + 1));
  } catch (error) {
    queryPairs = error as CosError;
  }
  const key = typeof path === "string" ? path.slice(1) : "";
  draft.bucket = target.bucket ?? null;
  draft.key = target.bucket !== undefined && key !== "" ? key : null;
  let match: RouteMatch | undefined;
  if (typeof path === "string" && Array.isArray(queryPairs)) {
    draft.query = loggedQuery(queryPairs);
    match = matchCosRoute({
      method: req.method ?? "GET",
      bucket: target.bucket,
      region: target.region,
      key,
      // Neither the signature's own parameters nor a traffic limit (doc 436/40140) choose the API.
      query: new Map(queryPairs.filter(([name]) => !isSignatureParameter(name) && name !== TRAFFIC_LIMIT)),
      headers: req.headers,
    });
    if ("route" in match) {
      draft.service = match.route.service ?? "cos";
      // Named even when the needs come later (POST Object's key is in its form).
      draft.action = match.needs[0]?.action ?? (match.route.service === "ci" ? null : `name/cos:${match.route.api}`);
      draft.needs.push(...match.needs);
    }
  }
  return { target, rawPath, path, key, queryPairs, match };
}

/**
 * Whether an unsigned request may be served: a GET or HEAD Object of an object (or the version it names) whose
 * ACL, or its bucket's when the object's is `default`, is public-read (doc 436/30752). Anything else anonymous is
 * refused as unsigned (403 AccessDenied), as COS refuses it.
 */
function anonymousMayRead(
  match: RouteMatch | undefined,
  target: CosTarget,
  key: string,
  query: [string, string][],
  options: CosHandlerOptions,
): boolean {
  if (!match || !("route" in match) || target.bucket === undefined) return false;
  if (match.route.api !== "GetObject" && match.route.api !== "HeadObject") return false;
  const bucket = options.store.getBucket(target.bucket);
  if (!bucket) return false;
  const versionId = query.find(([name]) => name === "versionId")?.[1];
  const object =
    versionId === undefined
      ? options.store.latest(bucket.name, key)
      : options.store.version(bucket.name, key, versionId);
  return effectiveAcl(bucket, object) === "public-read";
}

/**
 * A bucket is served only at its own region's endpoint (REFERENCE §1): a request to another region's endpoint,
 * or to a region COS does not have, finds no such bucket there, so it is answered 404 NoSuchBucket, whatever
 * its signature, and changes nothing. The choice of code is ours: COS documents none for this case, and the
 * endpoints of other regions simply do not hold the bucket. PUT Bucket is the exception for a COS region: bucket
 * names are global to the account, so creating an existing name in another region is 409
 * BucketAlreadyOwnedByYou, as COS answers it; in a region COS does not have it is NoSuchBucket too.
 */
function checkRegion(target: CosTarget, match: RouteMatch | undefined, options: CosHandlerOptions): void {
  if (target.bucket === undefined) return;
  if (!COS_REGIONS.includes(target.region)) {
    throw new CosError("NoSuchBucket", `the specified bucket does not exist: ${target.region} is not a COS region`);
  }
  if (match && "route" in match && match.route.api === "PutBucket") return;
  const bucket = options.store.getBucket(target.bucket);
  if (bucket && bucket.region !== target.region) {
    throw new CosError("NoSuchBucket", `the specified bucket does not exist in ${target.region}`);
  }
}

/** Serves one COS XML API request against the store, through its route. */
export async function handleCosRequest(
  req: IncomingMessage,
  res: ServerResponse,
  parsed: ParsedCosRequest,
  options: CosHandlerOptions,
  draft: RequestDraft,
): Promise<void> {
  const requestId = newRequestId();
  draft.requestId = requestId;
  res.setHeader("x-cos-request-id", requestId);
  res.setHeader("Server", "tencent-cos");
  const { target, rawPath, path, key, queryPairs, match } = parsed;
  const resource = `${req.headers.host ?? ""}${rawPath}`;
  const fail = (error: CosError) => {
    draft.errorCode = error.code;
    sendError(req, res, error, requestId, resource);
  };
  if (path instanceof CosError) return fail(path);
  try {
    checkRegion(target, match, options);
    if (queryPairs instanceof CosError) throw queryPairs;
    // A browser-form upload (POST Object) carries its signature in the form; readPostForm checks it.
    const isForm =
      req.method === "POST" &&
      key === "" &&
      queryPairs.length === 0 &&
      /^multipart\/form-data/i.test(req.headers["content-type"] ?? "");
    let signer: string | undefined;
    if (!isForm) {
      const signed = { method: req.method ?? "GET", path, query: queryPairs, headers: req.headers };
      const authorization = readAuthorization(signed);
      draft.secretId = authorization?.get("q-ak") ?? null;
      // An unsigned request is anonymous: only reading what an ACL makes public is allowed (doc 436/30752).
      if (authorization !== undefined || !anonymousMayRead(match, target, key, queryPairs, options)) {
        signer = verifyCosSignature(signed, options.credentials()).secretId;
      }
    }
    if (target.bucket !== undefined) checkObjectKey(key);
    if (target.bucket !== undefined && Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES)
      throw new CosError("KeyTooLong", `your key is too long (COS's limit is ${MAX_KEY_BYTES} bytes)`);
    if (!match) throw new CosError("InternalError", "the request was not routed");
    if ("error" in match) throw match.error;
    const check = (needs: CamNeed[], secretId = signer): CamNeed[] => {
      const policy = secretId === undefined ? undefined : options.policyFor?.(secretId);
      const denied = policy ? camDenied(policy, needs) : [];
      if (denied.length > 0) draft.denied = true;
      return denied;
    };
    const authorize = (needs: CamNeed[], secretId = signer): CamNeed[] => {
      if (secretId !== undefined) draft.secretId = secretId;
      draft.needs.push(...needs);
      return check(needs, secretId);
    };
    // The route's needs are in the draft already (parseCosRequest put them there).
    const [denied] = check(match.needs);
    if (denied) throw accessDenied(denied);
    const context: RequestContext = {
      req,
      res,
      target,
      key,
      query: new Map(queryPairs),
      options,
      requestId,
      draft,
      authorize,
    };
    await match.route.handle(context);
  } catch (error) {
    if (error instanceof CosError) return fail(error);
    if (res.headersSent) {
      res.destroy(error as Error);
      return;
    }
    return fail(new CosError("InternalError", (error as Error).message));
  }
}
