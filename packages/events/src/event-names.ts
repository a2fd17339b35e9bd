/** Every event name a COS trigger can subscribe to (REFERENCE §1). Note COS's `ObjectRemove`, not `ObjectRemoved`. */
export const COS_EVENT_NAMES = [
  "cos:ObjectCreated:*",
  "cos:ObjectCreated:Put",
  "cos:ObjectCreated:Post",
  "cos:ObjectCreated:Copy",
  "cos:ObjectCreated:CompleteMultipartUpload",
  "cos:ObjectCreated:Origin",
  "cos:ObjectCreated:Replication",
  "cos:ObjectRemove:*",
  "cos:ObjectRemove:Delete",
  "cos:ObjectRemove:DeleteMarkerCreated",
  "cos:ObjectRestore:Post",
  "cos:ObjectRestore:Completed",
] as const;

export type CosEventName = (typeof COS_EVENT_NAMES)[number];

/** What happened to the object: it was written, removed, or an archive restore started or finished. */
export type CosEventKind = "created" | "removed" | "restore";

const KINDS: Record<string, CosEventKind> = {
  ObjectCreated: "created",
  ObjectRemove: "removed",
  ObjectRestore: "restore",
};

const EVENT_NAME = /^cos:(Object[A-Za-z]+):([A-Za-z]+|\*)$/;

/**
 * The kind of a COS event name, or `undefined` when the name is not one COS sends. Names of sub-events this
 * table does not list yet (`cos:ObjectCreated:Something`) still map by their family.
 */
export function eventKind(eventName: string): CosEventKind | undefined {
  const family = EVENT_NAME.exec(eventName)?.[1];
  return family === undefined ? undefined : KINDS[family];
}

/**
 * Whether an event name matches a trigger pattern. A `*` segment matches anything from there on:
 * `cos:ObjectCreated:*` matches `cos:ObjectCreated:Put`, `*` matches every event. Otherwise names must be equal.
 */
export function matchesEventName(pattern: string, eventName: string): boolean {
  const want = pattern.split(":");
  const have = eventName.split(":");
  for (let i = 0; i < want.length; i++) {
    if (want[i] === "*") return i < have.length;
    if (want[i] !== have[i]) return false;
  }
  return want.length === have.length;
}
