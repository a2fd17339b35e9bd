import { CosfnError } from "./errors.ts";

export interface RecordSummary {
  bucket: string | null;
  key: string | null;
  eventName: string | null;
  outcome: "done" | "skipped" | "failed";
  reason?: string;
  error?: { code: string; message: string; retryable: boolean };
  detail?: Record<string, unknown>;
  durationMs: number;
}

/** What the handler returns: counts and one entry per record, in the event's order. Always JSON-safe. */
export interface HandlerSummary {
  function: string;
  processed: number;
  skipped: number;
  failed: number;
  records: RecordSummary[];
}

/** Thrown after every record ran when some failed and a retry can help (or FAIL_ON_PERMANENT is set). */
export class InvocationFailedError extends CosfnError {
  override readonly name = "InvocationFailedError";
  readonly summary: HandlerSummary;
  constructor(summary: HandlerSummary, retryable: boolean) {
    const failed = summary.records.filter((r) => r.outcome === "failed");
    const first = failed[0];
    super(
      "RECORDS_FAILED",
      `${summary.function}: ${failed.length} of ${summary.records.length} records failed${
        first ? `; first: ${first.key ?? "(event)"}: ${first.error?.code}: ${first.error?.message}` : ""
      }`,
      { retryable },
    );
    this.summary = summary;
  }
}
