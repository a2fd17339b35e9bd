import type { IncomingMessage, ServerResponse } from "node:http";
import type { CamNeed, CamPolicy } from "../cam.ts";
import type { RequestDraft } from "../request-log.ts";
import { CosError } from "./errors.ts";
import { MAX_XML_BODY_BYTES } from "./limits.ts";
import type { Credentials } from "./signature.ts";
import type { ObjectStore, RestoreTier, StoredObject } from "./store.ts";
import type { TransferClock } from "./traffic-limit.ts";

/**
 * A change the COS API made, for triggers: what happened (the event name's last part, or `RestorePost` /
 * `RestoreCompleted` for `cos:ObjectRestore:Post` / `:Completed`), the object, who asked.
 */
export interface CosChange {
  operation:
    | "Put"
    | "Post"
    | "Copy"
    | "CompleteMultipartUpload"
    | "Origin"
    | "Replication"
    | "Delete"
    | "DeleteMarkerCreated"
    | "RestorePost"
    | "RestoreCompleted";
  bucket: string;
  region: string;
  key: string;
  /** The object written, the version deleted, or the delete marker created (its `versionId` is the event's `vid`). */
  object: StoredObject;
  requestId: string;
  sourceIp: string;
}

/** A `GET /<key>?ci-process=...` request, answered by the Cloud Infinite part of the local cloud. */
export type CiProcessHandler = (request: {
  process: string;
  query: Map<string, string>;
  bucket: string;
  object: StoredObject;
  store: ObjectStore;
}) => Promise<{ status: number; body: string; contentType?: string }>;

export interface CosHandlerOptions {
  store: ObjectStore;
  credentials: () => readonly Credentials[];
  /** Reports a change (to replication, then to triggers); the request is answered once it resolves. */
  onChange: (change: CosChange) => void | Promise<void>;
  ciProcess?: CiProcessHandler;
  /** The CAM policy of a SecretId, if it has one; requests signed by it must be allowed by it. */
  policyFor?: (secretId: string) => CamPolicy | undefined;
  /** How long a restore of each tier takes before its temporary copy is readable (POST Object restore). */
  restoreDelaysMs: Readonly<Record<RestoreTier, number>>;
  /** Runs `work` after `ms` milliseconds, unless the local cloud closes first. */
  schedule: (ms: number, work: () => void) => void;
  /** The clock transfers limited by `x-cos-traffic-limit` are paced on. */
  trafficClock: TransferClock;
  /** Where this local cloud listens: origin pulls from a COS host come here. */
  self: () => { host: string; port: number };
}

/** A request addressed to a bucket (`<bucket>.cos.<region>.myqcloud.com`) or to the service endpoint. */
export interface CosTarget {
  bucket: string | undefined;
  region: string;
}

/** What every route handler gets: the request, its parsed parts, and how to check further CAM needs. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  target: CosTarget;
  key: string;
  query: Map<string, string>;
  options: CosHandlerOptions;
  requestId: string;
  /** The request log's entry in the making. */
  draft: RequestDraft;
  /**
   * Records needs the request has besides its route's (a copy's source, each key of a multi-delete) and
   * returns those the signer's policy denies (none without a policy). `secretId` overrides the signer's, for
   * POST Object, whose signer is known only once the form is read.
   */
  authorize(needs: CamNeed[], secretId?: string): CamNeed[];
}

/** The bucket of a request that has one (every route but GET Service). */
export function bucketName(context: RequestContext): string {
  return context.target.bucket as string;
}

/** The `x-cos-version-id` header of an answer about a version, when the bucket names versions. */
export function versionHeader(object: StoredObject | undefined): Record<string, string> {
  return object?.versionId !== undefined ? { "x-cos-version-id": object.versionId } : {};
}

/**
 * The `x-cos-version-id` of an answer to a write (PUT, POST, copy, completion): the new version's id with
 * versioning Enabled; none when Suspended (doc 436/7749: the version is `null` and no header is returned) or
 * never versioned.
 */
export function writtenVersionHeader(object: StoredObject): Record<string, string> {
  return object.versionId !== undefined && object.versionId !== "null" ? { "x-cos-version-id": object.versionId } : {};
}

/** Reports a change to the triggers. */
export async function emit(
  context: RequestContext,
  operation: CosChange["operation"],
  object: StoredObject,
): Promise<void> {
  await context.options.onChange(changeOf(context, operation, object));
}

/** The change a request made, as triggers get it. */
export function changeOf(context: RequestContext, operation: CosChange["operation"], object: StoredObject): CosChange {
  return {
    operation,
    bucket: bucketName(context),
    region: context.options.store.getBucket(bucketName(context))?.region ?? context.target.region,
    key: object.key,
    object,
    requestId: context.requestId,
    sourceIp: context.req.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
  };
}

/** The query string as decoded pairs, in order; a name without `=` has the value "". */
export function parseQuery(text: string): [string, string][] {
  if (text === "") return [];
  return text.split("&").flatMap((part): [string, string][] => {
    if (part === "") return [];
    const at = part.indexOf("=");
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? "" : part.slice(at + 1);
    try {
      return [[decodeURIComponent(name), decodeURIComponent(value)]];
    } catch {
      throw new CosError("InvalidArgument", `query parameter ${JSON.stringify(part)} is not valid percent-encoding`);
    }
  });
}

export function notImplemented(query: Map<string, string>): CosError {
  return new CosError("NotImplemented", `the local cloud does not implement ?${[...query.keys()].join("&")}`);
}

/** Reads an XML request body as text, refusing more than `MAX_XML_BODY_BYTES`. */
export async function readText(req: IncomingMessage, limit = MAX_XML_BODY_BYTES): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new CosError("EntityTooLarge", "the request body is too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Reads and drops a request body. */
export async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}
