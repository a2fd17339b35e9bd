import { type CosRecord, matchesEventName, recordId, safeParseCosEvent } from "@cosfn/events";
import type { ScfContext } from "./context.ts";
import { EnvReader } from "./env.ts";
import { DeadlineError, errorCode, isRetryable, PermanentError } from "./errors.ts";
import { isLogLevel, Logger, type LogLevel } from "./logger.ts";

/** The `x-cos-meta-*` name (without the prefix) every cosfn function sets on the objects it writes. */
export const WRITER_MARKER = "cosfn-function";

/** The metadata that marks an object as written by a function, so that its own trigger skips it. */
export function writerMetadata(functionName: string): Record<string, string> {
  return { [WRITER_MARKER]: functionName };
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

/** What `processRecord` may return: nothing (done), a skip with its reason, or done with details for the log. */
export type RecordResult = undefined | { skipped: string } | { detail: Record<string, unknown> };

export interface RecordContext<C> {
  config: C;
  /** Aborts when the invocation's time is nearly up; stop, keep what finished, and throw. */
  signal: AbortSignal;
  /** Epoch milliseconds at which `signal` aborts. */
  deadline: number;
  /** Milliseconds left before `deadline`. */
  timeLeft(): number;
  log: Logger;
  context: ScfContext;
  /** `recordId(record)`: a stable id for de-duplication. */
  id: string;
}

export interface HandlerOptions<C> {
  /** The function's name, in logs and in its writer marker. */
  name: string;
  /** Reads and validates the function's settings; called once, at the first invocation. */
  config: (env: EnvReader) => C;
  filter?: RecordFilter | ((config: C) => RecordFilter);
  processRecord: (record: CosRecord, context: RecordContext<C>) => Promise<RecordResult | undefined>;
  /** Records processed at once. Default 4, or `COSFN_CONCURRENCY`. */
  concurrency?: number | ((config: C) => number);
  /** How long before SCF's time limit work stops. Default: 10% of the limit, between 1 s and 15 s. */
  deadlineMarginMs?: number;
}

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

/** What the handler returns: counts and one entry per record, in the event's order. */
export interface HandlerSummary {
  function: string;
  processed: number;
  skipped: number;
  failed: number;
  records: RecordSummary[];
}

/** Thrown after every record ran when some failed and a retry can help (or FAIL_ON_PERMANENT is set). */
export class InvocationFailedError extends Error {
  override readonly name = "InvocationFailedError";
  readonly code = "RECORDS_FAILED";
  readonly retryable: boolean;
  readonly summary: HandlerSummary;
  constructor(summary: HandlerSummary, retryable: boolean) {
    const failed = summary.records.filter((r) => r.outcome === "failed");
    const first = failed[0];
    super(
      `${summary.function}: ${failed.length} of ${summary.records.length} records failed${
        first ? `; first: ${first.key ?? "(event)"}: ${first.error?.code}: ${first.error?.message}` : ""
      }`,
    );
    this.retryable = retryable;
    this.summary = summary;
  }
}

interface RuntimeSettings {
  logLevel: LogLevel;
  failOnPermanent: boolean;
  concurrency: number | undefined;
}

function runtimeSettings(env: EnvReader): RuntimeSettings {
  const level = env.oneOf("COSFN_LOG_LEVEL", ["debug", "info", "warn", "error"], { default: "info" });
  const concurrency =
    env.optional("COSFN_CONCURRENCY") === undefined
      ? undefined
      : env.int("COSFN_CONCURRENCY", { required: true, min: 1, max: 64 });
  return {
    logLevel: isLogLevel(level) ? level : "info",
    failOnPermanent: env.bool("FAIL_ON_PERMANENT", { default: false }),
    concurrency,
  };
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
  if (record.userMetadata[WRITER_MARKER] === functionName) {
    return `loop guard: the object was written by ${functionName}`;
  }
  if (filter.prefix && !record.key.startsWith(filter.prefix)) return `key is not under ${filter.prefix}`;
  if (filter.suffixes?.length && !filter.suffixes.some((s) => record.key.toLowerCase().endsWith(s.toLowerCase()))) {
    return `key does not end with ${filter.suffixes.join(", ")}`;
  }
  return undefined;
}

function errorFields(error: unknown): NonNullable<RecordSummary["error"]> {
  return { code: errorCode(error), message: (error as Error)?.message ?? String(error), retryable: isRetryable(error) };
}

/**
 * Builds an SCF `main_handler` around a function's per-record work: parses the event, filters and
 * loop-guards every record, runs the rest with bounded concurrency under a deadline, logs one JSON line per
 * record, and returns a summary. It throws, after every record ran, when a failure is retryable (so SCF
 * retries the event) or, with `FAIL_ON_PERMANENT=true`, when any record failed.
 */
export function createHandler<C>(
  options: HandlerOptions<C>,
): (event: unknown, context: ScfContext) => Promise<HandlerSummary> {
  let loaded: { config: C; settings: RuntimeSettings; filter: RecordFilter } | undefined;

  return async function main_handler(event: unknown, context: ScfContext): Promise<HandlerSummary> {
    const started = Date.now();
    if (!loaded) {
      try {
        const env = new EnvReader(process.env);
        const settings = runtimeSettings(env);
        const config = options.config(env);
        const filter = typeof options.filter === "function" ? options.filter(config) : (options.filter ?? {});
        loaded = { config, settings, filter };
      } catch (error) {
        // A bad setting fails every invocation, loudly, until it is fixed.
        new Logger({ function: options.name, requestId: context?.request_id }).error("configuration error", {
          error: errorFields(error),
        });
        throw error;
      }
    }
    const { config, settings, filter } = loaded;
    const log = new Logger({ function: options.name, requestId: context?.request_id }, settings.logLevel);
    const summary: HandlerSummary = { function: options.name, processed: 0, skipped: 0, failed: 0, records: [] };

    const parsed = safeParseCosEvent(event);
    if (!parsed.success) {
      const error = parsed.error;
      log.error("invalid event", {
        outcome: "failed",
        error: { code: error.code, message: error.message },
        path: error.path,
      });
      summary.failed = 1;
      summary.records.push({
        bucket: null,
        key: null,
        eventName: null,
        outcome: "failed",
        error: { code: error.code, message: error.message, retryable: false },
        durationMs: Date.now() - started,
      });
      if (settings.failOnPermanent) throw new InvocationFailedError(summary, false);
      return summary;
    }

    const limit = context?.time_limit_in_ms ?? 3000;
    const margin = options.deadlineMarginMs ?? Math.min(15_000, Math.max(1000, limit * 0.1));
    const deadline = started + Math.max(0, limit - margin);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DeadlineError()), Math.max(0, deadline - Date.now()));
    timer.unref?.();

    const records = parsed.data;
    summary.records = records.map((record) => ({
      bucket: record.bucket,
      key: record.key,
      eventName: record.eventName,
      outcome: "skipped",
      durationMs: 0,
    }));
    const concurrency = Math.max(
      1,
      settings.concurrency ??
        (typeof options.concurrency === "function" ? options.concurrency(config) : (options.concurrency ?? 4)),
    );

    const runOne = async (index: number): Promise<void> => {
      const record = records[index] as CosRecord;
      const entry = summary.records[index] as RecordSummary;
      const recordLog = log.child({ bucket: record.bucket, key: record.key, event: record.eventName });
      const recordStarted = Date.now();
      const reason = skipReason(record, filter, options.name);
      try {
        if (reason !== undefined) {
          entry.outcome = "skipped";
          entry.reason = reason;
        } else if (controller.signal.aborted) {
          throw new DeadlineError("not started: the function's time limit was near; SCF's retry will process it");
        } else {
          const result = await options.processRecord(record, {
            config,
            signal: controller.signal,
            deadline,
            timeLeft: () => deadline - Date.now(),
            log: recordLog,
            context,
            id: recordId(record),
          });
          if (result && "skipped" in result) {
            entry.outcome = "skipped";
            entry.reason = result.skipped;
          } else {
            entry.outcome = "done";
            if (result && "detail" in result) entry.detail = result.detail;
          }
        }
      } catch (error) {
        entry.outcome = "failed";
        entry.error = errorFields(
          controller.signal.aborted && !(error instanceof PermanentError)
            ? new DeadlineError((error as Error)?.message)
            : error,
        );
      }
      entry.durationMs = Date.now() - recordStarted;
      const fields = {
        outcome: entry.outcome,
        durationMs: entry.durationMs,
        ...(entry.reason !== undefined && { reason: entry.reason }),
        ...(entry.error && { error: entry.error }),
        ...(entry.detail && { detail: entry.detail }),
      };
      if (entry.outcome === "failed") recordLog.error("record failed", fields);
      else if (entry.outcome === "skipped") recordLog.info("record skipped", fields);
      else recordLog.info("record done", fields);
    };

    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, records.length) }, async () => {
      while (next < records.length) await runOne(next++);
    });
    try {
      await Promise.all(workers);
    } finally {
      clearTimeout(timer);
    }

    for (const entry of summary.records) {
      if (entry.outcome === "done") summary.processed++;
      else if (entry.outcome === "skipped") summary.skipped++;
      else summary.failed++;
    }
    const failures = summary.records.filter((r) => r.outcome === "failed");
    const retryable = failures.some((r) => r.error?.retryable);
    log.info("invocation finished", {
      processed: summary.processed,
      skipped: summary.skipped,
      failed: summary.failed,
      durationMs: Date.now() - started,
    });
    if (retryable) throw new InvocationFailedError(summary, true);
    if (failures.length > 0 && settings.failOnPermanent) throw new InvocationFailedError(summary, false);
    return summary;
  };
}
