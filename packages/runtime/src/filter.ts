import { type CosRecord, matchesEventName } from "@cosfn/events";

/** The `x-cos-meta-*` name (without the prefix) every cosfn function sets on the objects it writes. */
export const WRITER_MARKER = "cosfn-function";

/** The metadata that marks an object as written by a function, so that its own trigger skips it. */
export function writerMetadata(functionName: string): Record<string, string> {
  return { [WRITER_MARKER]: functionName };
}

/**
 * Whether a record's object carries the writer marker of this function. Names and values are compared without
 * regard to case: COS and proxies may change the case of metadata headers.
 */
export function writtenBy(record: Pick<CosRecord, "userMetadata">, functionName: string): boolean {
  const wanted = functionName.toLowerCase();
  return Object.entries(record.userMetadata).some(
    ([name, value]) => name.toLowerCase() === WRITER_MARKER && value.trim().toLowerCase() === wanted,
  );
}

/** Which records a function handles. Everything else is skipped with a reason. */
export interface RecordFilter {
  /** Event-name patterns, e.g. `cos:ObjectCreated:*`. Default: every event. */
  events?: string[];
  /** Only keys under this prefix. */
  prefix?: string;
  /** Only keys ending with one of these (case-insensitive), e.g. `.zip`. */
  suffixes?: string[];
  /**
   * The loop guard: keys under this prefix are the function's own output and are skipped (in `outputBucket`
   * when given, else in any bucket). Objects carrying the function's writer marker are skipped too.
   */
  outputPrefix?: string;
  outputBucket?: string;
}

/** Why a record is not this function's to handle, or `undefined` when it is. */
export function skipReason(record: CosRecord, filter: RecordFilter, functionName: string): string | undefined {
  if (filter.events && !filter.events.some((pattern) => matchesEventName(pattern, record.eventName))) {
    return `event ${record.eventName} is not handled`;
  }
  if (
    filter.outputPrefix &&
    record.key.startsWith(filter.outputPrefix) &&
    (!filter.outputBucket || filter.outputBucket === record.bucket)
  ) {
    return `loop guard: ${record.key} is under the output prefix ${filter.outputPrefix}`;
  }
  if (writtenBy(record, functionName)) return `loop guard: the object was written by ${functionName}`;
  if (filter.prefix && !record.key.startsWith(filter.prefix)) return `key is not under ${filter.prefix}`;
  if (filter.suffixes?.length && !filter.suffixes.some((s) => record.key.toLowerCase().endsWith(s.toLowerCase()))) {
    return `key does not end with ${filter.suffixes.join(", ")}`;
  }
  return undefined;
}
