import type { IncomingHttpHeaders } from "node:http";
import type { CamNeed } from "../cam.ts";
import { getObjectAcl, putObjectAcl } from "./acl.ts";
import {
  deleteBucket,
  getBucket,
  getBucketObjectVersions,
  getBucketVersioning,
  getService,
  headBucket,
  putBucket,
  putBucketVersioning,
} from "./bucket.ts";
import { ciResource, cosResource } from "./cam-needs.ts";
import { ciProcess } from "./ci-route.ts";
import { CosError } from "./errors.ts";
import {
  abortMultipartUpload,
  completeMultipartUpload,
  initiateMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
  uploadPartCopy,
} from "./multipart.ts";
import {
  copyObject,
  deleteMultipleObjects,
  deleteObject,
  getObject,
  parseCopySource,
  postObject,
  putObject,
} from "./objects.ts";
import { deleteBucketOrigin, getBucketOrigin, putBucketOrigin } from "./origin.ts";
import { deleteBucketReplication, getBucketReplication, putBucketReplication } from "./replication.ts";
import { notImplemented, type RequestContext } from "./request.ts";
import { postObjectRestore } from "./restore.ts";
import { deleteObjectTagging, getObjectTagging, putObjectTagging } from "./tagging.ts";

/** What a request addresses: the account (GET Service), a bucket (`/`), or an object (`/<key>`). */
export type CosScope = "service" | "bucket" | "object";

/** The parts of a request that choose its route and its CAM needs. */
export interface RouteRequest {
  method: string;
  bucket: string | undefined;
  region: string;
  key: string;
  /** The query without the signature's own parameters (`q-sign-*` of a pre-signed URL, the session token). */
  query: Map<string, string>;
  headers: IncomingHttpHeaders;
}

/** One COS API: which requests it answers, the CAM action it needs, and its handler. */
export interface CosRoute {
  method: string;
  scope: CosScope;
  /** Query parameters, any one of which selects this route (`uploads`, `tagging`...). None: the plain request. */
  subresource?: readonly string[];
  /** A header that selects this route (`x-cos-copy-source`). */
  header?: string;
  /** The only query parameters the route takes; a request with others matches no route. Default: any. */
  accepts?: readonly string[];
  /** The COS API's name, which is its CAM action (`name/cos:<api>`), or a Cloud Infinite action (`ci:...`). */
  api: string;
  /** The service the request log files it under. Default cos. */
  service?: "cos" | "ci";
  /** The (action, resource) pairs the request needs, when not just `api` on the route's resource. */
  needs?: (request: RouteRequest) => CamNeed[];
  handle: (context: RequestContext) => Promise<void>;
}

const LIST_PARAMETERS = ["prefix", "marker", "delimiter", "max-keys", "encoding-type"];

/** Cloud Infinite's CAM action for each `ci-process` the local cloud answers. */
export const CI_ACTIONS: Record<string, string> = {
  "detect-label": "ci:CreateDetectLabelJob",
  "sensitive-content-recognition": "ci:CreateAuditingPictureJob",
};

function notServed(what: string): (context: RequestContext) => Promise<void> {
  return async () => {
    throw new CosError("NotImplemented", `${what} is not implemented by the local cloud`);
  };
}

type Handler = CosRoute["handle"];

/** PUT, GET and DELETE of a bucket configuration `/?<subresource>`, APIs `Put|Get|DeleteBucket<name>`. */
function configurationRoutes(subresource: string, name: string, [put, get, remove]: [Handler, Handler, Handler]) {
  return [
    ["PUT", "Put", put],
    ["GET", "Get", get],
    ["DELETE", "Delete", remove],
  ].map(
    ([method, verb, handle]): CosRoute => ({
      method: method as string,
      scope: "bucket",
      subresource: [subresource],
      accepts: [subresource],
      api: `${verb as string}Bucket${name}`,
      handle: handle as Handler,
    }),
  );
}

/** A copy's needs: `action` on the destination, and `cos:GetObject` on the source it reads. */
function copyNeeds(action: string): (request: RouteRequest) => CamNeed[] {
  return (request) => {
    const destination = { action, resource: cosResource(request.region, request.bucket as string, request.key) };
    try {
      const source = parseCopySource(String(request.headers["x-cos-copy-source"]));
      return [
        destination,
        { action: "name/cos:GetObject", resource: cosResource(source.region, source.bucket, source.key) },
      ];
    } catch {
      return [destination]; // the handler answers the malformed header
    }
  };
}

/**
 * Every COS API the local cloud routes, in the order they are tried: for a method and scope, the first route
 * whose sub-resource (or header) the request has and whose `accepts` its query fits.
 */
export const COS_ROUTES: readonly CosRoute[] = [
  { method: "GET", scope: "service", api: "GetService", handle: getService },

  { method: "PUT", scope: "bucket", accepts: [], api: "PutBucket", handle: putBucket },
  // Versioning (docs 436/19889, 436/19888): CAM actions cos:PutBucketVersioning / cos:GetBucketVersioning.
  {
    method: "PUT",
    scope: "bucket",
    subresource: ["versioning"],
    accepts: ["versioning"],
    api: "PutBucketVersioning",
    handle: putBucketVersioning,
  },
  {
    method: "GET",
    scope: "bucket",
    subresource: ["versioning"],
    accepts: ["versioning"],
    api: "GetBucketVersioning",
    handle: getBucketVersioning,
  },
  // Origin pull (docs 436/52813, 436/52814, 436/52815): CAM actions cos:PutBucketOrigin / GetBucketOrigin /
  // DeleteBucketOrigin.
  ...configurationRoutes("origin", "Origin", [putBucketOrigin, getBucketOrigin, deleteBucketOrigin]),
  // Replication (docs 436/19223, 436/19222, 436/19221): CAM actions cos:PutBucketReplication /
  // GetBucketReplication / DeleteBucketReplication.
  ...configurationRoutes("replication", "Replication", [
    putBucketReplication,
    getBucketReplication,
    deleteBucketReplication,
  ]),
  { method: "HEAD", scope: "bucket", api: "HeadBucket", handle: headBucket },
  { method: "DELETE", scope: "bucket", accepts: [], api: "DeleteBucket", handle: deleteBucket },
  {
    method: "GET",
    scope: "bucket",
    subresource: ["uploads"],
    api: "ListMultipartUploads",
    handle: listMultipartUploads,
  },
  {
    method: "GET",
    scope: "bucket",
    subresource: ["versions"],
    accepts: ["versions", "version-id-marker", "key-marker", ...LIST_PARAMETERS],
    // Doc 436/35521: cos:GetBucketObjectVersions on the bucket.
    api: "GetBucketObjectVersions",
    handle: getBucketObjectVersions,
  },
  {
    method: "GET",
    scope: "bucket",
    accepts: LIST_PARAMETERS,
    api: "GetBucket",
    // `cos:prefix` lets a policy limit listing to a prefix.
    needs: (request) => [
      {
        action: "name/cos:GetBucket",
        resource: cosResource(request.region, request.bucket as string, "*"),
        context: { "cos:prefix": request.query.get("prefix") ?? "" },
      },
    ],
    handle: getBucket,
  },
  {
    method: "POST",
    scope: "bucket",
    subresource: ["delete"],
    api: "DeleteMultipleObjects",
    handle: deleteMultipleObjects,
  },
  // POST Object's key and signer are in the form: its handler checks `name/cos:PostObject` once it has read them.
  { method: "POST", scope: "bucket", accepts: [], api: "PostObject", needs: () => [], handle: postObject },

  { method: "GET", scope: "object", subresource: ["tagging"], api: "GetObjectTagging", handle: getObjectTagging },
  { method: "GET", scope: "object", subresource: ["uploadId"], api: "ListParts", handle: listParts },
  {
    method: "GET",
    scope: "object",
    subresource: ["ci-process"],
    api: "ci-process",
    service: "ci",
    needs: (request) => {
      const action = CI_ACTIONS[request.query.get("ci-process") ?? ""];
      // The CI action on CI's resource (cam-needs.ts, ciResource: docs 460/41741, 598/98114), not the object's COS one.
      return action ? [{ action, resource: ciResource(request.region, request.bucket as string, request.key) }] : [];
    },
    handle: ciProcess,
  },
  // Docs 436/7744, 436/7748: CAM actions cos:GetObjectACL / cos:PutObjectACL.
  { method: "GET", scope: "object", subresource: ["acl"], api: "GetObjectACL", handle: getObjectAcl },
  { method: "GET", scope: "object", api: "GetObject", handle: getObject },
  { method: "HEAD", scope: "object", api: "HeadObject", handle: getObject },
  // Upload Part - Copy (doc 436/8287): cos:UploadPart on the target, cos:GetObject on the source.
  {
    method: "PUT",
    scope: "object",
    subresource: ["uploadId", "partNumber"],
    header: "x-cos-copy-source",
    api: "UploadPart",
    needs: copyNeeds("name/cos:UploadPart"),
    handle: uploadPartCopy,
  },
  { method: "PUT", scope: "object", subresource: ["uploadId", "partNumber"], api: "UploadPart", handle: uploadPart },
  { method: "PUT", scope: "object", subresource: ["tagging"], api: "PutObjectTagging", handle: putObjectTagging },
  { method: "PUT", scope: "object", subresource: ["acl"], api: "PutObjectACL", handle: putObjectAcl },
  {
    method: "PUT",
    scope: "object",
    header: "x-cos-copy-source",
    api: "PutObject",
    needs: copyNeeds("name/cos:PutObject"),
    handle: copyObject,
  },
  { method: "PUT", scope: "object", accepts: [], api: "PutObject", handle: putObject },
  {
    method: "POST",
    scope: "object",
    subresource: ["uploads"],
    api: "InitiateMultipartUpload",
    handle: initiateMultipartUpload,
  },
  // Doc 436/12633: POST Object restore; CAM action cos:PostObjectRestore.
  {
    method: "POST",
    scope: "object",
    subresource: ["restore"],
    accepts: ["restore", "versionId"],
    api: "PostObjectRestore",
    handle: postObjectRestore,
  },
  {
    method: "POST",
    scope: "object",
    subresource: ["uploadId"],
    api: "CompleteMultipartUpload",
    handle: completeMultipartUpload,
  },
  {
    method: "DELETE",
    scope: "object",
    subresource: ["uploadId"],
    api: "AbortMultipartUpload",
    handle: abortMultipartUpload,
  },
  {
    method: "DELETE",
    scope: "object",
    subresource: ["tagging"],
    api: "DeleteObjectTagging",
    handle: deleteObjectTagging,
  },
  { method: "DELETE", scope: "object", api: "DeleteObject", handle: deleteObject },
  { method: "OPTIONS", scope: "object", api: "OptionsObject", handle: notServed("CORS (OPTIONS Object)") },
];

/** The scope of a request: GET Service without a bucket, else the bucket for `/`, else an object. */
export function scopeOf(request: Pick<RouteRequest, "bucket" | "key">): CosScope {
  if (request.bucket === undefined) return "service";
  return request.key === "" ? "bucket" : "object";
}

/** A route found for a request, with its CAM needs; or the error COS answers when none fits. */
export type RouteMatch = { route: CosRoute; needs: CamNeed[] } | { error: CosError };

/** Finds the route of a request and what it needs in CAM terms. */
export function matchCosRoute(request: RouteRequest, routes: readonly CosRoute[] = COS_ROUTES): RouteMatch {
  const scope = scopeOf(request);
  const candidates = routes.filter((route) => route.scope === scope && route.method === request.method);
  if (candidates.length === 0) {
    return { error: new CosError("MethodNotAllowed", "the specified method is not allowed against this resource") };
  }
  const route = candidates.find(
    (route) =>
      (route.subresource === undefined || route.subresource.some((name) => request.query.has(name))) &&
      (route.header === undefined || request.headers[route.header] !== undefined) &&
      (route.accepts === undefined || [...request.query.keys()].every((name) => route.accepts?.includes(name))),
  );
  if (!route) return { error: notImplemented(request.query) };
  return { route, needs: route.needs ? route.needs(request) : [defaultNeed(route, request)] };
}

function defaultNeed(route: CosRoute, request: RouteRequest): CamNeed {
  const action = `name/cos:${route.api}`;
  if (route.scope === "service") return { action, resource: "*" };
  const key = route.scope === "bucket" ? "*" : request.key;
  return { action, resource: cosResource(request.region, request.bucket as string, key) };
}
