import { tmpdir } from "node:os";
import { PassThrough, Readable, Transform } from "node:stream";
import COS from "cos-nodejs-sdk-v5";
import { CosConfigError, CosRequestError, CosTagLimitError, toCosRequestError } from "./errors.ts";
import { type WriteObjectInput, type WriteObjectResult, writeObject } from "./writer.ts";

/** Keys that sign every request: an execution role's temporary credentials carry a session token. */
export interface CosCredentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

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

function localEndpoint(endpoint: string): { Protocol: string; Ip: string } {
  const match = /^(https?:)\/\/([^/]+)\/?$/.exec(endpoint.trim());
  if (!match) throw new CosConfigError(`COSFN_COS_ENDPOINT ${JSON.stringify(endpoint)}: expected http://<host>:<port>`);
  return { Protocol: match[1] as string, Ip: match[2] as string };
}

/** A COS client for one region, with the helpers the functions share. `sdk` is the underlying cos-nodejs-sdk-v5. */
export class CosClient {
  readonly sdk: COS;
  readonly region: string;

  constructor(options: CosClientOptions & { credentials: CosCredentials }) {
    this.region = options.region;
    const { credentials } = options;
    this.sdk = new COS({
      SecretId: credentials.secretId,
      SecretKey: credentials.secretKey,
      ...(credentials.sessionToken && { SecurityToken: credentials.sessionToken }),
      ConfCwd: options.confCwd ?? tmpdir(),
      Timeout: options.timeoutMs ?? 60_000,
      AutoSwitchHost: false,
      ...(options.endpoint && {
        ...localEndpoint(options.endpoint),
        Domain: "{Bucket}.cos.{Region}.myqcloud.com",
      }),
    } as COS.COSOptions);
  }

  /** Runs an SDK call, mapping its failure to a CosRequestError that names the operation and object. */
  async call<T>(operation: string, bucket: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toCosRequestError(error, { operation, bucket, ...(key !== undefined && { key }) });
    }
  }

  /** The object's metadata, or `null` when it does not exist. */
  async head(bucket: string, key: string): Promise<ObjectInfo | null> {
    try {
      const result = await this.call("head", bucket, key, () =>
        this.sdk.headObject({ Bucket: bucket, Region: this.region, Key: key }),
      );
      return objectInfo(result.headers ?? {});
    } catch (error) {
      if (error instanceof CosRequestError && (error.statusCode === 404 || error.code === "NoSuchKey")) return null;
      throw error;
    }
  }

  /**
   * The object's bytes as a stream, optionally only `start` to `end` (inclusive). A retryable failure (a
   * reset, a 5xx, a body shorter than announced) is retried up to `attempts` times in all, continuing from the
   * first byte not yet delivered, so the reader sees each byte once. Other failures, or the last one, destroy
   * the stream with a CosRequestError; COS's error XML never reaches the reader as data.
   */
  readStream(
    bucket: string,
    key: string,
    range?: { start: number; end?: number },
    options: { attempts?: number } = {},
  ): Readable {
    const attempts = Math.max(1, options.attempts ?? 4);
    const start = range?.start ?? 0;
    const end = range?.end;
    const once = (from: number) =>
      this.#readOnce(
        bucket,
        key,
        from === 0 && end === undefined ? undefined : { start: from, ...(end !== undefined && { end }) },
      );
    async function* bytes(): AsyncGenerator<Buffer> {
      let delivered = 0;
      for (let attempt = 1; ; attempt++) {
        try {
          for await (const chunk of once(start + delivered)) {
            delivered += (chunk as Buffer).length;
            yield chunk as Buffer;
          }
          return;
        } catch (error) {
          const retryable = (error as { retryable?: boolean }).retryable === true;
          if (!retryable || attempt >= attempts) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** (attempt - 1)));
        }
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  #readOnce(bucket: string, key: string, range?: { start: number; end?: number }): Readable {
    const context = { operation: "get", bucket, key };
    const out = new PassThrough();
    let statusCode = 0;
    let expected: number | undefined;
    let received = 0;
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
      set: (value: number) => {
        statusCode = value;
      },
      get: () => statusCode,
    });
    sink.setHeader = (name: string, value: string) => {
      if (name.toLowerCase() === "content-length") expected = Number(value);
    };
    sink.pipe(out, { end: false });
    this.sdk.getObject(
      {
        Bucket: bucket,
        Region: this.region,
        Key: key,
        Output: sink,
        ...(range && { Range: `bytes=${range.start}-${range.end ?? ""}` }),
      } as COS.GetObjectParams,
      (error) => {
        if (error) {
          out.destroy(toCosRequestError(error, context));
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
  async readBuffer(bucket: string, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.readStream(bucket, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * A range reader for one object: `stream(offset, length)` reads just those bytes. The size comes from the
   * event when known, else from one HEAD request.
   */
  rangeSource(bucket: string, key: string, knownSize?: number): RangeSource {
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
        this.readStream(bucket, key, { start: offset, ...(length !== undefined && { end: offset + length - 1 }) }),
    };
  }

  /**
   * Streams a body into an object: one PUT below the multipart threshold, else a multipart upload with
   * bounded parallelism and per-part retries. Memory stays under `partSize * (parallelism + 1)`.
   */
  writeObject(input: WriteObjectInput): Promise<WriteObjectResult> {
    return writeObject(this, input);
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.call("delete", bucket, key, () =>
      this.sdk.deleteObject({ Bucket: bucket, Region: this.region, Key: key }),
    );
  }

  /** Every object under a prefix, page by page (1,000 a request), in COS's order. */
  async *list(bucket: string, options: { prefix?: string } = {}): AsyncGenerator<ListedObject> {
    let marker = "";
    for (;;) {
      const page = await this.call("list", bucket, options.prefix, () =>
        this.sdk.getBucket({
          Bucket: bucket,
          Region: this.region,
          Prefix: options.prefix ?? "",
          Marker: marker,
          MaxKeys: 1000,
        }),
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

  async getTags(bucket: string, key: string): Promise<Record<string, string>> {
    const result = await this.call("get tags", bucket, key, () =>
      this.sdk.getObjectTagging({ Bucket: bucket, Region: this.region, Key: key }),
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
    await this.call("put tags", bucket, key, () =>
      this.sdk.putObjectTagging({
        Bucket: bucket,
        Region: this.region,
        Key: key,
        Tags: names.map((name) => ({ Key: name, Value: merged[name] as string })),
      }),
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
