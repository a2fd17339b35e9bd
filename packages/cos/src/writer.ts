import type { Readable } from "node:stream";
import { Crc64 } from "@cosfn/checksums";
import { CosRequestError } from "./errors.ts";
import type { LeanHttp } from "./lean-request.ts";
import { withRetries } from "./retry.ts";
import type { CosSdk } from "./sdk.ts";

export interface WriteObjectInput {
  bucket: string;
  key: string;
  body: Readable | AsyncIterable<Uint8Array> | Uint8Array | string;
  contentType?: string;
  /** `x-cos-meta-*` values, without the prefix. */
  metadata?: Record<string, string>;
  /** Other request headers to store with the object (Cache-Control, Content-Disposition...). */
  headers?: Record<string, string>;
  /** Bytes per part of a multipart upload. Default 8 MiB; COS needs at least 1 MiB for all but the last. */
  partSize?: number;
  /** Parts uploaded at once. Default 4. */
  parallelism?: number;
  /** Attempts per request before giving up on a retryable failure. Default 4. */
  attempts?: number;
  /** Stops the upload (and aborts a multipart upload) when aborted. */
  signal?: AbortSignal;
}

export interface WriteObjectResult {
  size: number;
  /** Without quotes. */
  etag: string;
  /** CRC-64/XZ of the bytes sent, checked against COS's `x-cos-hash-crc64ecma` when COS returns it. */
  crc64: string;
  /** 0 for a simple PUT. */
  parts: number;
}

const MIB = 1024 * 1024;

/**
 * Where a write goes and what every write of the client adds: the SDK (initiate, complete and abort of a
 * multipart upload), the lean path (PUT Object and Upload Part, the requests that carry the bytes), the region,
 * the writer marker.
 */
export interface WriteTarget {
  sdk: CosSdk;
  http: LeanHttp;
  region: string;
  /** `x-cos-meta-*` values set on every object written; a write's own metadata cannot override them. */
  writerMetadata: Record<string, string>;
}

/** The request headers of a write: its own headers, its type, its metadata and the client's writer metadata. */
export function writeHeaders(
  input: Pick<WriteObjectInput, "headers" | "contentType" | "metadata">,
  writerMetadata: Record<string, string>,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    // Metadata goes through `metadata`, so that the writer marker cannot be dropped or overridden by a header.
    if (!name.toLowerCase().startsWith("x-cos-meta-")) headers[name] = value;
  }
  if (input.contentType) headers["Content-Type"] = input.contentType;
  const metadata = { ...input.metadata, ...writerMetadata };
  for (const [name, value] of Object.entries(metadata)) headers[`x-cos-meta-${name}`] = value;
  return headers;
}

/** The body's chunks: a whole body as the one chunk it is (no async generator per write), a stream as it is. */
function chunksOf(body: WriteObjectInput["body"]): Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string> {
  return typeof body === "string" || body instanceof Uint8Array ? [body] : body;
}

function checkCrc(input: WriteObjectInput, sent: string, returned: string | undefined): void {
  if (returned !== undefined && returned !== sent) {
    throw new CosRequestError(
      { code: "ChecksumMismatch", message: `COS stored CRC64 ${returned}, the bytes sent have ${sent}` },
      { operation: "write", bucket: input.bucket, key: input.key },
    );
  }
}

/**
 * PUT Object of the whole body, retried; checks COS's CRC-64 against `crc` (already updated with the body).
 * Not aborted once sent (the signal is checked before each attempt): a PUT that COS may have stored completes,
 * so that what the caller records as written is what COS holds.
 */
async function putObject(
  client: WriteTarget,
  input: WriteObjectInput,
  headers: Record<string, string>,
  body: Uint8Array[],
  crc: Crc64,
  size: number,
): Promise<WriteObjectResult> {
  const { bucket, key } = input;
  const answer = await withRetries(
    () => client.http.put({ operation: "put", bucket, region: client.region, key, headers, body }),
    { attempts: input.attempts ?? 4, signal: input.signal },
  );
  const digest = crc.digest();
  checkCrc(input, digest, answer["x-cos-hash-crc64ecma"]);
  return { size, etag: String(answer.etag ?? "").replace(/"/g, ""), crc64: digest, parts: 0 };
}

/** See `CosClient.writeObject`. */
export async function writeObject(client: WriteTarget, input: WriteObjectInput): Promise<WriteObjectResult> {
  const partSize = input.partSize ?? 8 * MIB;
  const parallelism = Math.max(1, input.parallelism ?? 4);
  const attempts = input.attempts ?? 4;
  const { bucket, key, signal } = input;
  const retry = { attempts, signal };
  const headers = writeHeaders(input, client.writerMetadata);
  const target = { Bucket: bucket, Region: client.region, Key: key };
  const crc = new Crc64();
  let size = 0;
  if (typeof input.body === "string" || input.body instanceof Uint8Array) {
    // A whole body of at most a part: one PUT, without the stream machinery below.
    const whole = typeof input.body === "string" ? Buffer.from(input.body) : input.body;
    if (whole.length <= partSize) {
      signal?.throwIfAborted();
      return await putObject(client, input, headers, [whole], crc.update(whole), whole.length);
    }
  }

  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  /** The next `bytes` bytes as the chunks that hold them (the one at the boundary split, nothing copied). */
  const takePart = (bytes: number): Uint8Array[] => {
    const part: Uint8Array[] = [];
    let need = bytes;
    let used = 0;
    while (need > 0) {
      const chunk = pending[used] as Uint8Array;
      if (chunk.length <= need) {
        part.push(chunk);
        need -= chunk.length;
        used++;
      } else {
        part.push(chunk.subarray(0, need));
        pending[used] = chunk.subarray(need);
        need = 0;
      }
    }
    pending = pending.slice(used);
    pendingBytes -= bytes;
    return part;
  };

  let uploadId: string | undefined;
  const done: { PartNumber: number; ETag: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let partNumber = 0;

  /**
   * Once the write is a multipart upload, the chunks that follow are copied into part buffers, each reused once
   * its part is stored: the chunks then die young, where held for a whole part they were promoted to the old
   * generation and freed only by full garbage collections, which cost far more than the copy (a stream of 1 GiB
   * through 8 MiB parts saw up to 78 of them, 1.5 s of CPU). At most `parallelism + 1` buffers, as before.
   */
  const spare: Buffer[] = [];
  let filling: Buffer | undefined;
  let filled = 0;

  const startPart = (chunks: Uint8Array[], buffer?: Buffer) => {
    const number = ++partNumber;
    const work = withRetries(
      () =>
        client.http.put({
          operation: "upload part",
          bucket,
          region: client.region,
          key,
          query: { partNumber: String(number), uploadId: uploadId as string },
          headers: {},
          body: chunks,
          // An aborted write aborts its multipart upload: a part in flight is not worth finishing.
          signal,
        }),
      retry,
    ).then(
      (answer) => {
        done.push({ PartNumber: number, ETag: String(answer.etag ?? "") });
      },
      (error) => {
        failure ??= error;
      },
    );
    const tracked = work.finally(() => {
      inFlight.delete(tracked);
      if (buffer) spare.push(buffer);
    });
    inFlight.add(tracked);
  };

  /** Sends the filled part buffer as the next part, then waits while `parallelism` parts are in flight. */
  const sendFilled = async () => {
    startPart([(filling as Buffer).subarray(0, filled)], filling);
    filling = undefined;
    filled = 0;
    while (inFlight.size >= parallelism) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  /** Copies a chunk into part buffers, sending each full one once more data follows it. */
  const copyIn = async (chunk: Uint8Array) => {
    for (let at = 0; at < chunk.length; ) {
      if (filled === partSize) await sendFilled();
      filling ??= spare.pop() ?? Buffer.allocUnsafe(partSize);
      const take = Math.min(partSize - filled, chunk.length - at);
      filling.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
    }
  };

  try {
    for await (const item of chunksOf(input.body)) {
      const chunk = typeof item === "string" ? Buffer.from(item) : item;
      signal?.throwIfAborted();
      crc.update(chunk);
      size += chunk.length;
      if (uploadId !== undefined) {
        await copyIn(chunk);
        continue;
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      // A part is sent only once more data follows it, so the last part is never empty.
      while (pendingBytes > partSize) {
        if (uploadId === undefined) {
          const init = await withRetries(
            () =>
              client.sdk.call("initiate multipart upload", bucket, key, (sdk) =>
                sdk.multipartInit({ ...target, Headers: headers }),
              ),
            retry,
          );
          uploadId = init.UploadId;
        }
        startPart(takePart(partSize));
        while (inFlight.size >= parallelism) await Promise.race(inFlight);
        if (failure) throw failure;
      }
      if (uploadId !== undefined) {
        // The rest (at most a part) goes into the first part buffer; from now on chunks are copied as they come.
        for (const held of takePart(pendingBytes)) await copyIn(held);
      }
    }

    if (uploadId === undefined) return await putObject(client, input, headers, takePart(pendingBytes), crc, size);

    if (filled > 0) startPart([(filling as Buffer).subarray(0, filled)], filling);
    await Promise.all(inFlight);
    if (failure) throw failure;
    done.sort((a, b) => a.PartNumber - b.PartNumber);
    const id = uploadId;
    const result = await withRetries(
      () =>
        client.sdk.call("complete multipart upload", bucket, key, (sdk) =>
          sdk.multipartComplete({ ...target, UploadId: id, Parts: done }),
        ),
      retry,
    );
    const digest = crc.digest();
    checkCrc(input, digest, result.headers?.["x-cos-hash-crc64ecma"]);
    return { size, etag: (result.ETag ?? "").replace(/"/g, ""), crc64: digest, parts: done.length };
  } catch (error) {
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined) {
      const id = uploadId;
      await client.sdk.sdk.multipartAbort({ ...target, UploadId: id }).catch(() => {});
    }
    throw error;
  }
}
