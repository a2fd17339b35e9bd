import { CosfnError } from "@cosfn/errors";
// The typed client of the console's JSON API (tooling/local-cloud/README.md, "The console's JSON API").
import type {
  BucketInfo,
  CloudApiCall,
  DeletedObject,
  EmittedEvent,
  EventFilter,
  FunctionViewInfo,
  NewTriggerRule,
  ObjectMetadata,
  ObjectPage,
  ObjectSummary,
  ObjectText,
  RequestEntry,
  ResolvedUrl,
  StoredObject,
  TriggerRule,
  ViewSection,
} from "./api-types.ts";

/** The API's refusal: its `{ error: { code, message } }` as the message, worded as the API words it, and its body. */
export class ApiError extends CosfnError {
  override readonly name: string = "ApiError";
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    // A 5xx or a 429 may pass if tried again; a refusal will not.
    super(error?.code ?? "", error ? `${error.code}: ${error.message}` : `HTTP ${status}`, {
      transient: status >= 500 || status === 429,
    });
    this.status = status;
    this.body = body;
  }
}

const failure = (status: number, body: unknown) => new ApiError(status, body);

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new Error(`HTTP ${response.status}: the console's API answered ${path} with something other than JSON`);
  }
  if (!response.ok) throw failure(response.status, body);
  return body as T;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

const bucketPath = (bucket: string, rest: string) => `/api/buckets/${encodeURIComponent(bucket)}/${rest}`;

/** The address of an object's bytes (`download`: as an attachment), for links, images and downloads. */
export function contentUrl(bucket: string, key: string, options: { versionId?: string; download?: boolean } = {}) {
  const query = new URLSearchParams({ key });
  if (options.versionId) query.set("versionId", options.versionId);
  if (options.download) query.set("download", "1");
  return bucketPath(bucket, `content?${query}`);
}

/** Uploads one file with PUT (through the COS path, so events fire), reporting progress from 0 to 1. */
export function uploadObject(
  bucket: string,
  key: string,
  file: Blob,
  onProgress: (fraction: number) => void,
): Promise<StoredObject> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", bucketPath(bucket, `object?${new URLSearchParams({ key })}`));
    request.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    request.upload.onprogress = (progress) => {
      if (progress.lengthComputable) onProgress(progress.loaded / progress.total);
    };
    request.onerror = () => reject(new Error(`the upload of ${key} could not reach the console's API`));
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        // Reported below with the status.
      }
      if (request.status >= 200 && request.status < 300) resolve(body as StoredObject);
      else reject(failure(request.status, body));
    };
    request.send(file);
  });
}

export const api = {
  buckets: () => call<{ buckets: BucketInfo[] }>("/api/buckets").then((body) => body.buckets),
  objects: (bucket: string, prefix: string, marker = "") =>
    call<ObjectPage>(
      bucketPath(bucket, `objects?${new URLSearchParams({ prefix, delimiter: "/", marker, maxKeys: "200" })}`),
    ),
  object: (bucket: string, key: string) =>
    call<ObjectMetadata>(bucketPath(bucket, `object?${new URLSearchParams({ key })}`)),
  deleteObject: (bucket: string, key: string) =>
    call<DeletedObject>(bucketPath(bucket, `object?${new URLSearchParams({ key })}`), { method: "DELETE" }),
  /** The first `maxBytes` of an object as UTF-8 text (never parsed as HTML). */
  text: async (bucket: string, key: string, maxBytes: number): Promise<ObjectText> => {
    const response = await fetch(`${contentUrl(bucket, key)}&maxBytes=${maxBytes}`);
    if (!response.ok) throw failure(response.status, await response.json().catch(() => null));
    const bytes = new Uint8Array(await response.arrayBuffer());
    return {
      text: new TextDecoder("utf-8").decode(bytes),
      truncated: response.headers.get("X-Cosfn-Truncated") === "true",
    };
  },
  search: (bucket: string, q: string) =>
    call<{ matches: ObjectSummary[]; truncated: boolean }>(bucketPath(bucket, `search?${new URLSearchParams({ q })}`)),
  resolve: (url: string) => call<ResolvedUrl>(`/api/resolve?${new URLSearchParams({ url })}`),
  requests: (service = "") =>
    call<{ requests: RequestEntry[] }>(
      `/api/requests?${new URLSearchParams({ limit: "500", ...(service ? { service } : {}) })}`,
    ).then((body) => body.requests),
  calls: () => call<{ calls: CloudApiCall[] }>("/api/cloud-api/calls").then((body) => body.calls),
  events: (filter: EventFilter) => {
    const query = new URLSearchParams({ limit: "200" });
    for (const name of ["bucket", "function", "outcome"] as const) if (filter[name]) query.set(name, filter[name]);
    return call<{ events: EmittedEvent[] }>(`/api/events?${query}`).then((body) => body.events);
  },
  replay: (id: string) => call<EmittedEvent>(`/api/events/${encodeURIComponent(id)}/replay`, { method: "POST" }),
  triggers: () => call<{ rules: TriggerRule[]; functions: string[] }>("/api/triggers"),
  addTrigger: (rule: NewTriggerRule) => call<TriggerRule>("/api/triggers", json("POST", rule)),
  removeTrigger: (id: string) => call<unknown>(`/api/triggers/${encodeURIComponent(id)}`, { method: "DELETE" }),
  views: () => call<{ views: FunctionViewInfo[] }>("/api/views").then((body) => body.views),
  view: (id: string) => call<{ sections: ViewSection[] }>(`/api/views/${encodeURIComponent(id)}`),
};
