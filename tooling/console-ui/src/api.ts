// The console's JSON API (tooling/local-cloud/README.md, "The console's JSON API"), typed for the pages.

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

export interface Attempt {
  startedAt: string;
  durationMs: number;
  requestId: string;
  result?: unknown;
  error?: { name: string; message: string };
}

export interface Invocation {
  id: string;
  functionName: string;
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
}

export interface RequestEntry {
  time: string;
  requestId: string;
  service: string;
  method: string;
  bucket: string | null;
  key: string | null;
  status: number;
  secretId: string | null;
  durationMs: number;
  action: string | null;
  errorCode?: string;
}

export interface CloudApiCall {
  service: string;
  action: string;
  params: Record<string, unknown>;
  at: string;
  error?: string;
}

/** The API's answer, or its `{ error: { code, message } }` as a thrown Error. */
async function get<T>(path: string): Promise<T> {
  const response = await fetch(path);
  const body = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok)
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`);
  return body;
}

const bucketPath = (bucket: string, rest: string) => `/api/buckets/${encodeURIComponent(bucket)}/${rest}`;

export const api = {
  buckets: () => get<{ buckets: BucketInfo[] }>("/api/buckets").then((body) => body.buckets),
  objects: (bucket: string, prefix: string, marker = "") =>
    get<ObjectPage>(
      bucketPath(bucket, `objects?${new URLSearchParams({ prefix, delimiter: "/", marker, maxKeys: "200" })}`),
    ),
  object: (bucket: string, key: string) =>
    get<ObjectMetadata>(bucketPath(bucket, `object?${new URLSearchParams({ key })}`)),
  search: (bucket: string, q: string) =>
    get<{ matches: ObjectSummary[]; truncated: boolean }>(bucketPath(bucket, `search?${new URLSearchParams({ q })}`)),
  requests: () => get<{ requests: RequestEntry[] }>("/api/requests?limit=500").then((body) => body.requests),
  calls: () => get<{ calls: CloudApiCall[] }>("/api/cloud-api/calls").then((body) => body.calls),
  events: () => get<{ events: EmittedEvent[] }>("/api/events?limit=200").then((body) => body.events),
};
