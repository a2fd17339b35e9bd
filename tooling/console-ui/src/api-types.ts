// The shapes of the console's JSON API (tooling/local-cloud/README.md, "The console's JSON API").

export interface BucketInfo {
  name: string;
  region: string;
  versioning: string;
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
  storageClass: string;
}

export interface ObjectPage {
  objects: ObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextMarker: string | null;
}

export interface VersionInfo {
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  lastModified: string;
}

export interface ObjectMetadata extends ObjectSummary {
  crc64: string;
  contentType: string;
  headers: Record<string, string>;
  meta: Record<string, string>;
  tags: Record<string, string>;
  acl: string;
  versionId: string | null;
  restore: { tier: string; days: number; readyAt: string; expiresAt: string; state: string } | null;
  replicationStatus: string | null;
  versions: VersionInfo[];
}

/** `PUT /api/buckets/:bucket/object`'s answer. */
export interface StoredObject {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  versionId: string | null;
}

/** `DELETE /api/buckets/:bucket/object`'s answer. */
export interface DeletedObject {
  bucket: string;
  key: string;
  versionId: string | null;
  deleteMarker: boolean;
}

/** Where a COS URL (or `cos://bucket/key`, or the local endpoint's path) points. */
export interface ResolvedUrl {
  bucket: string;
  key: string;
  region: string;
}

/** The first bytes of an object, as text (`maxBytes`), and whether it was cut. */
export interface ObjectText {
  text: string;
  truncated: boolean;
}

export interface Attempt {
  startedAt: string;
  durationMs: number;
  requestId: string;
  result?: unknown;
  error?: { name: string; message: string };
  /** The function's log lines for this attempt ("" when none). */
  logs?: string;
}

/** The trigger rule that matched an event, as it was then. */
export interface MatchedRule {
  id: string;
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
}

export interface Invocation {
  id: string;
  functionName: string;
  rule: MatchedRule;
  status: string;
  attempts: Attempt[];
}

export interface EmittedEvent {
  id: string;
  time: string;
  eventName: string;
  bucket: string;
  key: string;
  size: number;
  payload: unknown;
  invocations: Invocation[];
  outcome: string;
  /** The event this one replays, when it is a replay. */
  replayOf?: string | null;
}

/** The events list's filters (each optional, "" for any). */
export interface EventFilter {
  bucket: string;
  function: string;
  outcome: string;
}

export interface RequestEntry {
  time: string;
  requestId: string;
  service: string;
  method: string;
  bucket: string | null;
  key: string | null;
  query?: Record<string, string>;
  status: number;
  secretId: string | null;
  durationMs: number;
  action: string | null;
  errorCode?: string;
  /** Cloud Infinite's answer body (its first 4 KiB), for `ci` requests. */
  answer?: string;
}

export interface CloudApiCall {
  service: string;
  action: string;
  params: Record<string, unknown>;
  at: string;
  error?: string;
}

export interface TriggerRule {
  id: string;
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
  functionName: string;
}

export type NewTriggerRule = Omit<TriggerRule, "id">;

export interface FunctionViewInfo {
  id: string;
  functionName: string;
  title: string;
}

/** A table cell of a function's view: a value, or an object of a bucket (shown as a link, `text` if given). */
export type ViewCell = string | number | boolean | null | { object: { bucket: string; key: string }; text?: string };

export interface ViewSection {
  title: string;
  note?: string;
  columns: string[];
  rows: ViewCell[][];
}
