import { createHash } from "node:crypto";
import type { CosRecord } from "@cosfn/events";
import type { RecordContext, RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { observe } from "./observe.ts";
import type { Resources } from "./resources.ts";
import { decideWrite } from "./row-write.ts";
import type { RowWrite } from "./stores/types.ts";

/**
 * The history entry's id (DB_HISTORY): the record's id and the state written. A record delivered twice that writes
 * the same state adds one entry; a duplicate that finds a newer state (the object changed between deliveries)
 * adds that state, which the later record of the change will find already written.
 */
export function historyId(recordId: string, write: RowWrite): string {
  const state =
    write.kind === "delete"
      ? ["deleted"]
      : [write.observation.etag, write.observation.size, write.observation.versionId ?? ""];
  return `${recordId}:${createHash("sha256").update(JSON.stringify(state)).digest("hex").slice(0, 16)}`;
}

/**
 * One changed key: under the key's lock (one holder per bucket and key across every instance), reads the object's
 * state from COS with a HEAD and writes it, unless the row already says exactly that. The event only says which
 * key to look at; what is written is what the HEAD saw. Because HEADs of one key happen one lock holder after the
 * other, each sees a state at least as new as the previous holder's, and the last holder's write is the newest
 * observation: an older observation never overwrites a newer one, whatever order the events arrive in.
 */
export async function syncObject(record: CosRecord, context: RecordContext<Config, Resources>): Promise<RecordResult> {
  const { resources, cos, id } = context;
  const deleteMarkerEvent = record.eventName === "cos:ObjectRemove:DeleteMarkerCreated";
  const outcome = await resources.store.withKey(record.bucket, record.key, async (current) => {
    const seen = await observe(cos, record.bucket, record.key, { deleteMarker: deleteMarkerEvent });
    const write = decideWrite(current, seen, new Date(), record.eventName);
    return {
      ...(write && { write: { ...write, historyId: historyId(id, write) } }),
      result: write?.reason ?? "unchanged",
    };
  });
  return { detail: { result: outcome } };
}
