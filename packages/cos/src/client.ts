import { PassThrough, Readable, Transform } from "node:stream";
import type COS from "cos-nodejs-sdk-v5";
import { CosConfigError, CosRequestError, CosTagLimitError, toCosRequestError } from "./errors.ts";
import { LeanHttp } from "./lean-request.ts";
import { backOff, withRetries } from "./retry.ts";
import { type CosCredentials, CosSdk } from "./sdk.ts";
import { type WriteObjectInput, type WriteObjectResult, writeHeaders, writeObject } from "./writer.ts";

export interface CosClientOptions {
  /** The full region name of the buckets, e.g. `ap-guangzhou` (on SCF: `context.tencentcloud_region`). */
  region: string;
  /** Default: `TENCENTCLOUD_SECRETID`, `TENCENTCLOUD_SECRETKEY`, `TENCENTCLOUD_SESSIONTOKEN`. */
  credentials?: CosCredentials;
  /**
   * A local COS stand-in such as `http://127.0.0.1:19000`. Requests go there while still being signed for
   * `<bucket>.cos.<region>.myqcloud.com`, so signatures are the ones production would see. Default:
   * `COSFN_COS_ENDPOINT`; unset, the client talks to Tencent Cloud.
   */
  endpoint?: string;
  /** Where the SDK may keep multipart state; SCF's code directory is read-only. Default: the OS temp dir. */
  confCwd?: string;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
  /**
   * `x-cos-meta-*` values (without the prefix) set on every object this client writes or copies, over whatever
   * metadata a write gives: the writer marker a function's loop guard looks for.
   */
  writerMetadata?: Record<string, string>;
}

/** What `head` tells about an object. */
export interface ObjectInfo {
  size: number;
  /** Without quotes. */
  etag: string;
  contentType: string | null;
  lastModified: Date | null;
  storageClass: string;
  /** `x-cos-hash-crc64ecma`, when COS sent it. */
  crc64: string | null;
  /** `x-cos-meta-*` values, prefix removed. */
  metadata: Record<string, string>;
  versionId: string | null;
}

/** One object of a listing. */
export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
  storageClass: string;
}

/** A random-access view of one object, in the shape unzipper's `Open.custom` reads. */
export interface RangeSource {
  size(): Promise<number>;
  stream(offset: number, length?: number): Readable;
}

/** COS's limit on the tags of one object. */
export const MAX_OBJECT_TAGS = 10;

/** Settings for `createCosClient` taken from an environment (SCF's variables and `COSFN_COS_ENDPOINT`). */
export function cosSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<CosClientOptions, "credentials" | "endpoint"> {
  const secretId = env.TENCENTCLOUD_SECRETID;
  const secretKey = env.TENCENTCLOUD_SECRETKEY;
  const sessionToken = env.TENCENTCLOUD_SESSIONTOKEN;
  return {
    ...(secretId && secretKey && { credentials: { secretId, secretKey, ...(sessionToken && { sessionToken }) } }),
    ...(env.COSFN_COS_ENDPOINT && { endpoint: env.COSFN_COS_ENDPOINT }),
  };
}

/** Builds a client from explicit options, completed from the environment. */
export function createCosClient(options: CosClientOptions, env: NodeJS.ProcessEnv = process.env): CosClient {
  const fromEnv = cosSettingsFromEnv(env);
  const credentials = options.credentials ?? fromEnv.credentials;
  if (!credentials) {
    throw new CosConfigError(
      "no COS credentials: set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (SCF sets them from the function's execution role)",
    );
  }
  const endpoint = options.endpoint ?? fromEnv.endpoint;
  return new CosClient({ ...options, credentials, ...(endpoint && { endpoint }) });
}

/**
 * A COS client for one region, with the operations the functions share: head, streamed and range reads (optionally
 * pinned to an ETag), streamed writes with the writer marker, copy, delete, listing and tags. Every failure is a
 * CosRequestError that names the operation and object and says whether a retry can help.
 */
export class CosClient {
  readonly region: string;
  /** The `x-cos-meta-*` values every write of this client sets. */
  readonly writerMetadata: Readonly<Record<string, string>>;
  readonly #sdk: CosSdk;
  /** The lean path: PUT Object and Upload Part (see `lean-request.ts`). */
  readonly #http: LeanHttp;

  constructor(options: CosClientOptions & { credentials: CosCredentials });
  /** @internal a view of another client's SDK and connections (see `withWriterMetadata`). */
  constructor(
    options: { region: string; writerMetadata?: Record<string, string> },
    shared: { sdk: CosSdk; http: LeanHttp },
  );
  constructor(options: CosClientOptions, shared?: { sdk: CosSdk; http: LeanHttp }) {
    this.region = options.region;
    this.writerMetadata = Object.freeze({ ...options.writerMetadata });
    const settings = {
      credentials: options.credentials as CosCredentials,
      endpoint: options.endpoint,
      timeoutMs: options.timeoutMs,
    };
    this.#sdk = shared?.sdk ?? new CosSdk({ ...settings, confCwd: options.confCwd });
    this.#http = shared?.http ?? new LeanHttp(settings);
  }

  /** A client on the same connection and credentials whose every write also sets these `x-cos-meta-*` values. */
  withWriterMetadata(metadata: Record<string, string>): CosClient {
    return new CosClient(
      { region: this.region, writerMetadata: { ...this.writerMetadata, ...metadata } },
      { sdk: this.#sdk, http: this.#http },
    );
  }

  /**
   * Whether the key has an object now: its metadata, or that it is gone, and whether a delete marker stands there
   * (a versioned bucket answers its HEAD 404 with `x-cos-delete-marker: true` and the marker's version id).
   */
  async state(
    bucket: string,
    key: string,
  ): Promise<{ exists: true; info: ObjectInfo } | { exists: false; deleteMarker: boolean; versionId: string | null }> {
    try {
      const result = await withRetries(() =>
        this.#sdk.call("head", bucket, key, (sdk) => sdk.headObject({ Bucket: bucket, Region: this.region, Key: key })),
      );
      return { exists: true, info: objectInfo(result.headers ?? {}) };
    } catch (error) {
      if (error instanceof CosRequestError && (error.statusCode === 404 || error.code === "NoSuchKey")) {
        const headers = (error.cause as { headers?: Record<string, string> } | undefined)?.headers ?? {};
        return {
          exists: false,
          deleteMarker: headers["x-cos-delete-marker"] === "true",
          versionId: headers["x-cos-version-id"] ?? null,
        };
      }
      throw error;
    }
  }

  /** The object's metadata, or `null` when it does not exist. */
  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    try {
      const result = await withRetries(() =>
        this.#sdk.call("head", bucket, key, (sdk) => sdk.headObject({ Bucket: bucket, Region: this.region, Key: key })),
      );
      return objectInfo(result.headers ?? {});
    } catch (error) {
      if (error instanceof CosRequestError && (error.statusCode === 404 || error.code === "NoSuchKey")) return null;
      throw error;
    }
  }

  /**
   * The object's bytes as a stream, optionally only `start` to `end` (inclusive). A transient failure (a reset, a
   * 5xx, a body shorter than announced) is retried up to `attempts` times in all, continuing from the first byte
   * not yet delivered and pinned (`If-Match`) to the ETag of the first answer, so the reader sees each byte once
   * and all of them from one version of the object. With `ifMatch`, every request is pinned to that ETag from the
   * start. A changed object fails the stream with a CosObjectChangedError; other failures with a
   * CosRequestError; COS's error XML never reaches the reader as data.
   */
  readStream(
    bucket: string,
    key: string,
    range?: { start: number; end?: number },
    options: { attempts?: number; ifMatch?: string } = {},
  ): Readable {
    const start = range?.start ?? 0;
    const end = range?.end;
    let pinned = options.ifMatch;
    const readOnce = (from: number) =>
      this.#readOnce(
        bucket,
        key,
        from === 0 && end === undefined ? undefined : { start: from, ...(end !== undefined && { end }) },
        pinned,
        (etag) => {
          pinned ??= etag;
        },
      );
    async function* bytes(): AsyncGenerator<Buffer> {
      let delivered = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const chunk of readOnce(start + delivered)) {
            delivered += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
          return;
        } catch (error) {
          await backOff(error, attempt, { attempts: options.attempts });
        }
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** One GET, its bytes passed on only when the status is 2xx; reports the ETag of the answer through `onEtag`. */
  #readOnce(
    bucket: string,
    key: string,
    range: { start: number; end?: number } | undefined,
    ifMatch: string | undefined,
    onEtag: (etag: string) => void,
  ): Readable {
    const context = { operation: "get", bucket, key };
    const out = new PassThrough();
    let statusCode = 0;
    let expected: number | undefined;
    let received = 0;
    let etag: string | undefined;
    // The SDK pipes the response into `Output` whatever its status; it first hands the status and headers to
    // an output that has `setHeader`, which lets this sink drop an error body instead of passing it on.
    const sink = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (statusCode >= 200 && statusCode < 300) {
          received += chunk.length;
          callback(null, chunk);
        } else callback();
      },
    }) as Transform & { setHeader(name: string, value: string): void; statusCode: number };
    Object.defineProperty(sink, "statusCode", {
      // The SDK's request library sets the headers first, then the status.
      set: (value: number) => {
        statusCode = value;
        if (statusCode >= 200 && statusCode < 300 && etag !== undefined) onEtag(etag);
      },
      get: () => statusCode,
    });
    sink.setHeader = (name: string, value: string) => {
      const header = name.toLowerCase();
      if (header === "content-length") expected = Number(value);
      else if (header === "etag") etag = value.replace(/"/g, "");
    };
    sink.pipe(out, { end: false });
    this.#sdk.sdk.getObject(
      {
        Bucket: bucket,
        Region: this.region,
        Key: key,
        Output: sink,
        ...(range && { Range: `bytes=${range.start}-${range.end ?? ""}` }),
        ...(ifMatch !== undefined && { IfMatch: `"${ifMatch}"` }),
      } as COS.GetObjectParams,
      (error) => {
        if (error) {
          out.destroy(toCosRequestError(error, context, ifMatch));
          return;
        }
        const finish = () => {
          if (expected !== undefined && received !== expected) {
            out.destroy(
              new CosRequestError(
                { code: "IncompleteBody", message: `received ${received} of ${expected} bytes` },
                context,
              ),
            );
          } else out.end();
        };
        if (sink.readableEnded) finish();
        else sink.once("end", finish);
      },
    );
    return out;
  }

  /** The whole object in memory; for small objects (manifests, configuration). */
  async readBuffer(bucket: string, key: string, options: { ifMatch?: string } = {}): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.readStream(bucket, key, undefined, options)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * A range reader for one object: `stream(offset, length)` reads just those bytes. The size comes from the
   * event when known, else from one HEAD request. With `ifMatch`, every read is pinned to that ETag, so all the
   * ranges come from one version of the object and a replaced object fails with a CosObjectChangedError.
   */
  rangeSource(bucket: string, key: string, knownSize?: number, options: { ifMatch?: string } = {}): RangeSource {
    let size: Promise<number> | undefined = knownSize === undefined ? undefined : Promise.resolve(knownSize);
    return {
      size: () => {
        size ??= this.head(bucket, key).then((info) => {
          if (!info)
            throw new CosRequestError(
              { code: "NoSuchKey", message: "the object does not exist", statusCode: 404 },
              { operation: "head", bucket, key },
            );
          return info.size;
        });
        return size;
      },
      stream: (offset, length) =>
        this.readStream(
          bucket,
          key,
          { start: offset, ...(length !== undefined && { end: offset + length - 1 }) },
          options.ifMatch === undefined ? {} : { ifMatch: options.ifMatch },
        ),
    };
  }

  /**
   * Streams a body into an object: one PUT below the multipart threshold, else a multipart upload with
   * bounded parallelism and per-part retries. Memory stays under `partSize * (parallelism + 1)`. The client's
   * writer metadata is always set.
   */
  writeObject(input: WriteObjectInput): Promise<WriteObjectResult> {
    return writeObject(
      { sdk: this.#sdk, http: this.#http, region: this.region, writerMetadata: this.writerMetadata },
      input,
    );
  }

  /**
   * Copies an object server-side (within the region). The copy keeps the source's metadata, unless `metadata` is
   * given or this client has writer metadata: then the source's `x-cos-meta-*` values, `metadata` and the writer
   * metadata, in that order of precedence, replace it (`x-cos-metadata-directive: Replaced`).
   */
  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    options: { metadata?: Record<string, string>; ifMatch?: string } = {},
  ): Promise<{ etag: string }> {
    const replace = options.metadata !== undefined || Object.keys(this.writerMetadata).length > 0;
    let headers: Record<string, string> = {};
    if (replace) {
      const info = await this.head(source.bucket, source.key);
      if (!info) {
        throw new CosRequestError(
          { code: "NoSuchKey", message: "the copy's source does not exist", statusCode: 404 },
          { operation: "copy", bucket: source.bucket, key: source.key },
        );
      }
      headers = {
        ...writeHeaders(
          {
            ...(info.contentType && { contentType: info.contentType }),
            metadata: { ...info.metadata, ...options.metadata },
          },
          this.writerMetadata,
        ),
        "x-cos-metadata-directive": "Replaced",
      };
    }
    if (options.ifMatch !== undefined) headers["x-cos-copy-source-If-Match"] = `"${options.ifMatch}"`;
    const path = encodeURIComponent(source.key).replace(/%2F/g, "/");
    const result = await withRetries(() =>
      this.#sdk.call(
        "copy",
        target.bucket,
        target.key,
        (sdk) =>
          sdk.putObjectCopy({
            Bucket: target.bucket,
            Region: this.region,
            Key: target.key,
            CopySource: `${source.bucket}.cos.${this.region}.myqcloud.com/${path}`,
            Headers: headers,
          }),
        options.ifMatch,
      ),
    );
    return { etag: (result.ETag ?? "").replace(/"/g, "") };
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await withRetries(() =>
      this.#sdk.call("delete", bucket, key, (sdk) =>
        sdk.deleteObject({ Bucket: bucket, Region: this.region, Key: key }),
      ),
    );
  }

  /**
   * Deletes many objects with COS's multi-delete, 1,000 keys a request (quiet mode: only failures are answered).
   * Returns the keys COS refused, each with its code and message; a failed request is retried while transient and
   * then thrown.
   */
  async deleteObjects(
    bucket: string,
    keys: readonly string[],
  ): Promise<{ key: string; code: string; message: string }[]> {
    const failed: { key: string; code: string; message: string }[] = [];
    for (let at = 0; at < keys.length; at += 1000) {
      const chunk = keys.slice(at, at + 1000);
      const result = await withRetries(() =>
        this.#sdk.call("delete objects", bucket, undefined, (sdk) =>
          sdk.deleteMultipleObject({
            Bucket: bucket,
            Region: this.region,
            Objects: chunk.map((key) => ({ Key: key })),
            Quiet: true,
          }),
        ),
      );
      for (const error of result.Error ?? []) {
        failed.push({ key: error.Key, code: error.Code ?? "Error", message: error.Message ?? "" });
      }
    }
    return failed;
  }

  /**
   * Every object under a prefix, page by page (1,000 a request), in COS's order (UTF-8 byte order of the keys);
   * with `marker`, only the keys after it (a listing resumed where an earlier one stopped).
   */
  async *list(bucket: string, options: { prefix?: string; marker?: string } = {}): AsyncGenerator<ListedObject> {
    let marker = options.marker ?? "";
    for (;;) {
      const page = await withRetries(() =>
        this.#sdk.call("list", bucket, options.prefix, (sdk) =>
          sdk.getBucket({
            Bucket: bucket,
            Region: this.region,
            Prefix: options.prefix ?? "",
            Marker: marker,
            MaxKeys: 1000,
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        yield {
          key: item.Key,
          size: Number(item.Size),
          etag: item.ETag.replace(/"/g, ""),
          lastModified: new Date(item.LastModified),
          storageClass: item.StorageClass,
        };
      }
      if (String(page.IsTruncated) !== "true") return;
      const next = page.NextMarker || page.Contents?.at(-1)?.Key;
      if (!next) return;
      marker = next;
    }
  }

  /**
   * A signed GET of an object with query parameters, whose answer is not the object: Cloud Infinite's
   * `?ci-process=...` on the bucket's own domain. Returns the body as sent (usually XML) and the headers. Not
   * retried here (the caller knows which failures are throttling); a failure is a CosRequestError whose `cause`
   * keeps the answer's `headers` (CI's `x-errno`).
   */
  async processObject(
    bucket: string,
    key: string,
    query: Record<string, string>,
  ): Promise<{ body: Buffer; headers: Record<string, string> }> {
    const operation = `process (${Object.entries(query)
      .map(([name, value]) => `${name}=${value}`)
      .join("&")})`;
    const result = await this.#sdk.call(operation, bucket, key, (sdk) =>
      sdk.request({ Bucket: bucket, Region: this.region, Key: key, Method: "GET", Query: query, RawBody: true }),
    );
    const { Body, headers } = result as { Body?: Buffer | string; headers?: Record<string, string> };
    return { body: Buffer.isBuffer(Body) ? Body : Buffer.from(Body ?? ""), headers: headers ?? {} };
  }

  /** Sets an object's canned ACL (`private`, `public-read`, or `default`: the bucket's). */
  async setObjectAcl(bucket: string, key: string, acl: "private" | "public-read" | "default"): Promise<void> {
    await withRetries(() =>
      this.#sdk.call("put acl", bucket, key, (sdk) =>
        sdk.putObjectAcl({ Bucket: bucket, Region: this.region, Key: key, ACL: acl }),
      ),
    );
  }

  async getTags(bucket: string, key: string): Promise<Record<string, string>> {
    const result = await withRetries(() =>
      this.#sdk.call("get tags", bucket, key, (sdk) =>
        sdk.getObjectTagging({ Bucket: bucket, Region: this.region, Key: key }),
      ),
    );
    return Object.fromEntries((result.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
  }

  /**
   * Adds tags to an object, keeping the ones it has; a tag given again takes the new value. Throws
   * CosTagLimitError, changing nothing, when the result would exceed COS's limit of 10 tags.
   */
  async mergeTags(bucket: string, key: string, tags: Record<string, string>): Promise<Record<string, string>> {
    const merged = { ...(await this.getTags(bucket, key)), ...tags };
    const names = Object.keys(merged);
    if (names.length > MAX_OBJECT_TAGS) {
      throw new CosTagLimitError(
        `cos://${bucket}/${key}: merging ${Object.keys(tags).length} tags would give ${names.length}, over COS's limit of ${MAX_OBJECT_TAGS} (it has ${names.filter((n) => !(n in tags)).join(", ")})`,
      );
    }
    await withRetries(() =>
      this.#sdk.call("put tags", bucket, key, (sdk) =>
        sdk.putObjectTagging({
          Bucket: bucket,
          Region: this.region,
          Key: key,
          Tags: names.map((name) => ({ Key: name, Value: merged[name] as string })),
        }),
      ),
    );
    return merged;
  }
}

function objectInfo(headers: Record<string, string>): ObjectInfo {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase().startsWith("x-cos-meta-")) metadata[name.slice("x-cos-meta-".length)] = value;
  }
  const lastModified = headers["last-modified"] ? new Date(headers["last-modified"]) : null;
  return {
    size: Number(headers["content-length"] ?? 0),
    etag: (headers.etag ?? "").replace(/"/g, ""),
    contentType: headers["content-type"] || null,
    lastModified,
    storageClass: headers["x-cos-storage-class"] ?? "STANDARD",
    crc64: headers["x-cos-hash-crc64ecma"] ?? null,
    metadata,
    versionId: headers["x-cos-version-id"] ?? null,
  };
}
