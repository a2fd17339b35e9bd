import { type IncomingHttpHeaders, type IncomingMessage, request, type ServerResponse } from "node:http";
import { signCosRequest } from "../cos/sign-request.ts";
import type { Credentials } from "../cos/signature.ts";
import type { ObjectStore } from "../cos/store.ts";
import { sendError, sendJson } from "./respond.ts";

/** How the console reaches the local cloud's own COS endpoint, as any client does. */
export interface CosAccess {
  /** Where the COS endpoint listens. */
  endpoint(): { host: string; port: number };
  /** The accepted credentials: the console signs with the first. */
  credentials(): readonly Credentials[];
}

/** The answer of a signed request to the COS endpoint. */
interface CosAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The key's path: each segment percent-encoded, so that the COS side decodes exactly the key. */
function keyPath(key: string): string {
  return `/${key.split("/").map(encodeURIComponent).join("/")}`;
}

/**
 * Sends a signed request for `key` of `bucket` to the COS endpoint (Host `<bucket>.cos.<region>.myqcloud.com`),
 * streaming `body` when given: it is served, logged and emits events like any client's request.
 */
function cosRequest(
  cos: CosAccess,
  store: ObjectStore,
  call: { method: string; bucket: string; key: string; query: [string, string][]; headers: Record<string, string> },
  body?: IncomingMessage,
): Promise<CosAnswer> {
  const [credentials] = cos.credentials();
  if (!credentials) throw new Error("the local cloud accepts no credentials: the console cannot sign its request");
  const region = store.getBucket(call.bucket)?.region ?? "";
  const headers: Record<string, string> = { ...call.headers, host: `${call.bucket}.cos.${region}.myqcloud.com` };
  if (credentials.sessionToken !== undefined) headers["x-cos-security-token"] = credentials.sessionToken;
  const authorization = signCosRequest(
    { method: call.method, path: `/${call.key}`, query: call.query, headers },
    credentials,
  );
  const search = call.query.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&");
  const { host, port } = cos.endpoint();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host,
        port,
        method: call.method,
        path: keyPath(call.key) + (search ? `?${search}` : ""),
        headers: { ...headers, authorization },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("error", reject);
        answer.on("end", () =>
          resolve({
            status: answer.statusCode ?? 0,
            headers: answer.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    outgoing.on("error", reject);
    if (!body) {
      outgoing.end();
      return;
    }
    // The console's client gone mid-upload: the COS request is abandoned too, and nothing is stored.
    body.once("aborted", () => outgoing.destroy(new Error("the upload to the console was aborted")));
    body.pipe(outgoing);
  });
}

/** Answers a COS error answer as the console's JSON error, with COS's status and code. */
function sendCosError(res: ServerResponse, answer: CosAnswer, what: string): void {
  const code = /<Code>([^<]*)<\/Code>/.exec(answer.body)?.[1] ?? `HTTP${answer.status}`;
  const message = /<Message>([^<]*)<\/Message>/.exec(answer.body)?.[1] ?? answer.body.slice(0, 200);
  sendError(res, answer.status, code, `${what}: COS answered ${answer.status} ${code}: ${message}`);
}

function keyOf(res: ServerResponse, query: URLSearchParams): string | undefined {
  const key = query.get("key");
  if (key !== null && key !== "") return key;
  sendError(res, 400, "MissingKey", "the query parameter key (the object's key) is required");
  return undefined;
}

/**
 * `PUT /api/buckets/:bucket/object?key=K`: uploads the request's body, streamed, as the object, through the
 * COS endpoint (PUT Object signed with the first accepted credentials), with the request's Content-Type.
 */
export async function putObjectThroughCos(
  req: IncomingMessage,
  res: ServerResponse,
  store: ObjectStore,
  cos: CosAccess,
  bucket: string,
  query: URLSearchParams,
): Promise<void> {
  const key = keyOf(res, query);
  if (key === undefined) return;
  const length = req.headers["content-length"];
  if (length === undefined) {
    sendError(res, 411, "MissingContentLength", `PUT of ${JSON.stringify(key)}: the upload needs a Content-Length`);
    return;
  }
  const answer = await cosRequest(
    cos,
    store,
    {
      method: "PUT",
      bucket,
      key,
      query: [],
      headers: {
        "content-type": req.headers["content-type"] || "application/octet-stream",
        "content-length": length,
      },
    },
    req,
  );
  if (answer.status !== 200) return sendCosError(res, answer, `PUT of key ${JSON.stringify(key)} in bucket ${bucket}`);
  sendJson(res, 200, {
    bucket,
    key,
    etag: String(answer.headers.etag ?? "").replaceAll('"', ""),
    size: Number(length),
    versionId: answer.headers["x-cos-version-id"] ?? null,
  });
}

/**
 * `DELETE /api/buckets/:bucket/object?key=K[&versionId=V]`: DELETE Object through the COS endpoint (a delete
 * event is emitted; a versioned bucket gets a delete marker unless a version is named).
 */
export async function deleteObjectThroughCos(
  res: ServerResponse,
  store: ObjectStore,
  cos: CosAccess,
  bucket: string,
  query: URLSearchParams,
): Promise<void> {
  const key = keyOf(res, query);
  if (key === undefined) return;
  const versionId = query.get("versionId");
  const answer = await cosRequest(cos, store, {
    method: "DELETE",
    bucket,
    key,
    query: versionId ? [["versionId", versionId]] : [],
    headers: {},
  });
  if (answer.status !== 204 && answer.status !== 200)
    return sendCosError(res, answer, `DELETE of key ${JSON.stringify(key)} in bucket ${bucket}`);
  sendJson(res, 200, {
    bucket,
    key,
    versionId: answer.headers["x-cos-version-id"] ?? null,
    deleteMarker: answer.headers["x-cos-delete-marker"] === "true",
  });
}
