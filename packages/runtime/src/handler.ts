import type { CosClient } from "@cosfn/cos";
import { type CosRecord, recordId, type ScfContext, safeParseCosEvent } from "@cosfn/events";
import type { EnvReader } from "./env.ts";
import { DeadlineError, errorCode, errorMessage, isRetryable, PermanentError } from "./errors.ts";
import { type RecordFilter, skipReason } from "./filter.ts";
import { type Instance, loadInstance, type SetupContext } from "./instance.ts";
import { Logger } from "./logger.ts";
import type { Redactor } from "./redact.ts";
import { type HandlerSummary, InvocationFailedError, type RecordSummary } from "./summary.ts";

/** What `processRecord` may return: nothing (done), a skip with its reason, or done with details for the log. */
export type RecordResult = undefined | { skipped: string } | { detail: Record<string, unknown> };

export interface RecordContext<C, R = undefined> {
  config: C;
  /** What `setup` built for this warm instance (a database pool, Cloud API clients). */
  resources: R;
  /** The function's name, as in its logs and its writer marker. */
  name: string;
  /**
   * A COS client for the record's region, kept for the warm instance, whose every write (PUT, multipart, copy)
   * carries the function's writer marker: the loop guard cannot be forgotten.
   */
  readonly cos: CosClient;
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

export interface HandlerOptions<C, R = undefined> {
  /** The function's name, in logs and in its writer marker. */
  name: string;
  /** Reads and validates the function's settings; called once per warm instance, at its first invocation. */
  config: (env: EnvReader) => C;
  /**
   * Builds what a warm instance keeps (a database pool, Cloud API clients), once, after `config`; handed to every
   * record as `resources`. A failure fails the invocation and is tried again at the next one.
   */
  setup?: (config: C, setup: SetupContext) => R | Promise<R>;
  filter?: RecordFilter | ((config: C) => RecordFilter);
  processRecord: (record: CosRecord, context: RecordContext<C, R>) => Promise<RecordResult | undefined>;
  /** Records processed at once. Default 4, or `COSFN_CONCURRENCY`. */
  concurrency?: number | ((config: C) => number);
  /** How long before SCF's time limit work stops. Default: 10% of the limit, between 1 s and 15 s. */
  deadlineMarginMs?: number;
}

/** An error as the summary reports it: code, message (secrets masked), whether a retry helps. Never throws. */
function errorFields(error: unknown, redactor: Redactor): NonNullable<RecordSummary["error"]> {
  return { code: errorCode(error), message: redactor.text(errorMessage(error)), retryable: isRetryable(error) };
}

/** A record's result as the summary keeps it: a reason that is a string, details that are JSON-safe. */
function settle(entry: RecordSummary, result: unknown, redactor: Redactor): void {
  if (result !== null && typeof result === "object" && "skipped" in result) {
    entry.outcome = "skipped";
    entry.reason = redactor.text(errorMessage((result as { skipped: unknown }).skipped));
    return;
  }
  entry.outcome = "done";
  if (result !== null && typeof result === "object" && "detail" in result) {
    const detail = redactor.value((result as { detail: unknown }).detail);
    if (detail !== null && typeof detail === "object" && !Array.isArray(detail)) {
      entry.detail = detail as Record<string, unknown>;
    } else if (detail !== undefined) entry.detail = { value: detail };
  }
}

/**
 * Builds an SCF `main_handler` around a function's per-record work: reads the config and runs `setup` once per
 * warm instance, parses the event, filters and loop-guards every record, runs the rest with bounded concurrency
 * under a deadline, logs one JSON line per record, and returns a JSON-safe summary with secrets masked. It
 * throws, after every record ran, when a failure is retryable (so SCF retries the event) or, with
 * `FAIL_ON_PERMANENT=true`, when any record failed. Nothing a record does (throwing a non-Error, returning
 * details that cannot be serialized, ignoring the abort signal) can lose the other records or the summary.
 */
export function createHandler<C, R = undefined>(
  options: HandlerOptions<C, R>,
): (event: unknown, context: ScfContext) => Promise<HandlerSummary> {
  let instance: Promise<Instance<C, R>> | undefined;

  return async function main_handler(event: unknown, context: ScfContext): Promise<HandlerSummary> {
    const started = Date.now();
    instance ??= loadInstance(options, context);
    const loaded = await instance.catch((error: unknown) => {
      instance = undefined;
      throw error;
    });
    const { config, settings, filter, resources, redactor } = loaded;
    const log = new Logger(
      { function: options.name, requestId: context?.request_id },
      { level: settings.logLevel, redactor },
    );
    const summary: HandlerSummary = { function: options.name, processed: 0, skipped: 0, failed: 0, records: [] };
    const finish = (retryable: boolean): HandlerSummary => {
      for (const entry of summary.records) {
        if (entry.outcome === "done") summary.processed++;
        else if (entry.outcome === "skipped") summary.skipped++;
        else summary.failed++;
      }
      log.info("invocation finished", {
        processed: summary.processed,
        skipped: summary.skipped,
        failed: summary.failed,
        durationMs: Date.now() - started,
      });
      if (retryable) throw new InvocationFailedError(summary, true);
      if (summary.failed > 0 && settings.failOnPermanent) throw new InvocationFailedError(summary, false);
      return summary;
    };

    const parsed = safeParseCosEvent(event);
    if (!parsed.success) {
      const error = parsed.error;
      log.error("invalid event", { outcome: "failed", error: errorFields(error, redactor), path: error.path });
      summary.records.push({
        bucket: null,
        key: null,
        eventName: null,
        outcome: "failed",
        error: errorFields(error, redactor),
        durationMs: Date.now() - started,
      });
      return finish(false);
    }

    const limit = context?.time_limit_in_ms ?? 3000;
    const margin = options.deadlineMarginMs ?? Math.min(15_000, Math.max(1000, limit * 0.1));
    const deadline = started + Math.max(0, limit - margin);
    // Records get half the margin to stop cleanly after the signal; one that is still running then is abandoned.
    const abandonAt = started + Math.max(0, limit - margin / 2);
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
    const finished = records.map(() => false);
    const concurrency = Math.max(
      1,
      settings.concurrency ??
        (typeof options.concurrency === "function" ? options.concurrency(config) : (options.concurrency ?? 4)),
    );

    const report = (index: number, recordLog: Logger): void => {
      const entry = summary.records[index] as RecordSummary;
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
    const logFor = (record: CosRecord) =>
      log.child({ bucket: record.bucket, key: record.key, event: record.eventName });

    const runOne = async (index: number): Promise<void> => {
      const record = records[index] as CosRecord;
      const entry = summary.records[index] as RecordSummary;
      const recordLog = logFor(record);
      const recordStarted = Date.now();
      try {
        const reason = skipReason(record, filter, options.name);
        if (reason !== undefined) {
          entry.outcome = "skipped";
          entry.reason = reason;
        } else if (controller.signal.aborted) {
          throw new DeadlineError("not started: the function's time limit was near; SCF's retry will process it");
        } else {
          const region = record.region || context?.tencentcloud_region;
          const result = await options.processRecord(record, {
            config,
            resources,
            name: options.name,
            get cos() {
              return loaded.cos.get(region);
            },
            signal: controller.signal,
            deadline,
            timeLeft: () => deadline - Date.now(),
            log: recordLog,
            context,
            id: recordId(record),
          });
          if (finished[index]) return; // abandoned at the deadline; its failure is already reported
          settle(entry, result, redactor);
        }
      } catch (error) {
        if (finished[index]) return;
        entry.outcome = "failed";
        entry.error = errorFields(
          controller.signal.aborted && !(error instanceof PermanentError)
            ? new DeadlineError(errorMessage(error), { cause: error })
            : error,
          redactor,
        );
      }
      finished[index] = true;
      entry.durationMs = Date.now() - recordStarted;
      report(index, recordLog);
    };

    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, records.length) }, async () => {
      while (next < records.length && Date.now() < abandonAt) await runOne(next++);
    });
    let abandon: NodeJS.Timeout | undefined;
    const stopped = new Promise<void>((resolve) => {
      abandon = setTimeout(resolve, Math.max(0, abandonAt - Date.now()));
      abandon.unref?.();
    });
    try {
      await Promise.race([Promise.all(workers), stopped]);
    } finally {
      clearTimeout(timer);
      clearTimeout(abandon);
      controller.abort(new DeadlineError());
    }
    // Records still running (they ignored the signal) or never started are failed, retryably, on time.
    for (let index = 0; index < records.length; index++) {
      if (finished[index]) continue;
      finished[index] = true;
      const entry = summary.records[index] as RecordSummary;
      entry.outcome = "failed";
      entry.error = errorFields(
        new DeadlineError("did not finish before the function's time limit; SCF's retry will process it"),
        redactor,
      );
      entry.durationMs = Date.now() - started;
      report(index, logFor(records[index] as CosRecord));
    }
    return finish(summary.records.some((r) => r.outcome === "failed" && r.error?.retryable));
  };
}
