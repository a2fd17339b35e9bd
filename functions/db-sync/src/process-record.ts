import type { CosRecord } from "@cosfn/events";
import type { RecordContext, RecordResult } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { observe } from "./observe.ts";
import type { Resources } from "./resources.ts";
import { decideWrite } from "./row-write.ts";

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
    // The history (DB_HISTORY) keeps one entry per record: a duplicate delivery adds none.
    return { ...(write && { write: { ...write, historyId: id } }), result: write ? write.reason : "unchanged" };
  });
  return { detail: { result: outcome } };
}
