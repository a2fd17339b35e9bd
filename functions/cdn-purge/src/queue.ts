import { createHash } from "node:crypto";
import type { CosClient } from "@cosfn/cos";
import { MAX_KEY_BYTES } from "@cosfn/events";
import type { PurgeTargets } from "./urls.ts";

/** What a queue entry asks for: a URL purge, a prefix purge or a prefetch. */
export type QueuedKind = "url" | "prefix" | "prefetch";
const KIND_FOLDER: Record<QueuedKind, string> = { url: "u", prefix: "p", prefetch: "f" };
const FOLDER_KIND: Record<string, QueuedKind> = { u: "url", p: "prefix", f: "prefetch" };

/** One queue entry, as listed: its key, what it asks for, and its target (`null` when kept in its body). */
export interface QueueEntry {
  key: string;
  kind: QueuedKind;
  target: string | null;
}

/**
 * The queue lives in COS, one empty object per target and enqueueing: `<prefix><u|p|f>/<scheme>/<host><path>/<id>`,
 * so that a listing (1,000 keys a request) reads the whole queue without a GET, the same target queued twice is
 * grouped by the flush, and an enqueueing that comes while a flush runs has a key of its own that the flush does
 * not delete. A target too long for a key (COS allows 850 bytes) is kept in the body of `<prefix><kind>/~<sha256>/<id>`.
 */
export function queueKey(prefix: string, kind: QueuedKind, target: string, id: string): { key: string; body: string } {
  const scheme = target.indexOf("://");
  const key = `${prefix}${KIND_FOLDER[kind]}/${target.slice(0, scheme)}/${target.slice(scheme + 3)}/${id}`;
  if (scheme > 0 && Buffer.byteLength(key) <= MAX_KEY_BYTES) return { key, body: "" };
  const digest = createHash("sha256").update(target).digest("hex");
  return { key: `${prefix}${KIND_FOLDER[kind]}/~${digest}/${id}`, body: target };
}

/** Reads a listed key back into its entry; `undefined` for a key that is not a queue entry. */
export function parseQueueKey(prefix: string, key: string): QueueEntry | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const rest = key.slice(prefix.length);
  const kind = FOLDER_KIND[rest.slice(0, 1)];
  const last = rest.lastIndexOf("/");
  if (kind === undefined || rest[1] !== "/" || last <= 2) return undefined;
  const middle = rest.slice(2, last);
  if (middle.startsWith("~")) return { key, kind, target: null };
  const slash = middle.indexOf("/");
  if (slash <= 0) return undefined;
  return { key, kind, target: `${middle.slice(0, slash)}://${middle.slice(slash + 1)}` };
}

/** Writes the targets of one record to the queue; `id` (the record's id) makes a retried enqueueing idempotent. */
export async function enqueue(
  cos: CosClient,
  bucket: string,
  prefix: string,
  targets: PurgeTargets,
  id: string,
  signal?: AbortSignal,
): Promise<number> {
  const entries = [
    ...targets.urls.map((target) => queueKey(prefix, "url", target, id)),
    ...targets.prefixes.map((target) => queueKey(prefix, "prefix", target, id)),
    ...targets.prefetch.map((target) => queueKey(prefix, "prefetch", target, id)),
  ];
  await Promise.all(
    entries.map(({ key, body }) =>
      cos.writeObject({ bucket, key, body, contentType: "text/plain; charset=utf-8", ...(signal && { signal }) }),
    ),
  );
  return entries.length;
}

/** Every entry of the queue, with the targets of hashed entries read from their bodies. */
export async function readQueue(cos: CosClient, bucket: string, prefix: string): Promise<QueueEntry[]> {
  const entries: QueueEntry[] = [];
  for await (const object of cos.list(bucket, { prefix })) {
    const entry = parseQueueKey(prefix, object.key);
    if (!entry) continue;
    if (entry.target === null) entry.target = (await cos.readBuffer(bucket, entry.key)).toString("utf8");
    entries.push(entry);
  }
  return entries;
}
