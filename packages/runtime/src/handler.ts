import type { CosClient } from "@cosfn/cos";
import {
  type CosEventError,
  type CosRecord,
  isTimerEvent,
  recordId,
  type ScfContext,
  safeParseCosEvent,
  safeParseTimerEvent,
  type TimerEvent,
} from "@cosfn/events";
import { startDeadline } from "./deadline.ts";
import type { EnvReader } from "./env.ts";
import { DeadlineError, errorCode, errorMessage, isRetryable, PermanentError } from "./errors.ts";
import { type RecordFilter, skipReason } from "./filter.ts";
import { type Instance, loadInstance, type SetupContext } from "./instance.ts";
import { Logger } from "./logger.ts";
import { Redactor } from "./redact.ts";
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
  /**
   * The function's periodic work, for the event of a timer trigger (`{"Type": "Timer", ...}`): run once per such
   * event with the same context as a record (deadline, resources, `cos` for the function's region; `id` is
   * `timer:<TriggerName>:<Time>`), reported as one entry whose eventName is `timer:<TriggerName>`. Without it, a
   * timer event is an invalid event.
   */
  timer?: (event: TimerEvent, context: RecordContext<C, R>) => Promise<RecordResult | undefined>;
  /** Records processed at once. Default 4, or `COSFN_CONCURRENCY`. */
  concurrency?: number | ((config: C) => number);
  /** How long before SCF's time limit work stops. Default: 10% of the limit, between 1 s and 15 s. */
  deadlineMarginMs?: number;
}

/** One unit of an invocation's work: a COS record, or a timer event. */
interface Job {
  entry: RecordSummary;
  log: Logger;
  /** Why it is skipped, if it is. */
  skip: string | undefined;
  region: string;
  id: string;
  run: (context: RecordContext<any, any>) => Promise<RecordResult | undefined>;
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
    const { config, settings, filter, resources } = loaded;
    // Built for each invocation: SCF may hand a warm instance fresh temporary keys, which must be masked too.
    const redactor = Redactor.fromEnv();
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
    /** An event that is neither a valid COS event nor a valid timer event: one permanent failure naming the field. */
    const invalid = (error: CosEventError): HandlerSummary => {
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
    };

    // What this invocation runs: one job per COS record, or the timer's one job.
    let jobs: Job[];
    if (options.timer && isTimerEvent(event)) {
      const parsedTimer = safeParseTimerEvent(event);
      if (!parsedTimer.success) return invalid(parsedTimer.error);
      const timerEvent = parsedTimer.data;
      const timer = options.timer;
      jobs = [
        {
          entry: {
            bucket: null,
            key: null,
            eventName: `timer:${timerEvent.triggerName}`,
            outcome: "skipped",
            durationMs: 0,
          },
          log: log.child({ event: `timer:${timerEvent.triggerName}` }),
          skip: undefined,
          region: context?.tencentcloud_region,
          id: `timer:${timerEvent.triggerName}:${timerEvent.time.toISOString()}`,
          run: (recordContext) => timer(timerEvent, recordContext),
        },
      ];
    } else {
      const parsed = safeParseCosEvent(event);
      if (!parsed.success) return invalid(parsed.error);
      jobs = parsed.data.map((record) => ({
        entry: {
          bucket: record.bucket,
          key: record.key,
          eventName: record.eventName,
          outcome: "skipped",
          durationMs: 0,
        },
        log: log.child({ bucket: record.bucket, key: record.key, event: record.eventName }),
        skip: skipReason(record, filter, options.name),
        region: record.region || context?.tencentcloud_region,
        id: recordId(record),
        run: (recordContext) => options.processRecord(record, recordContext),
      }));
    }

    const time = startDeadline(started, context, options.deadlineMarginMs);
    const deadline = time.at;
    summary.records = jobs.map((job) => job.entry);
    const finished = jobs.map(() => false);
    const concurrency = Math.max(
      1,
      settings.concurrency ??
        (typeof options.concurrency === "function" ? options.concurrency(config) : (options.concurrency ?? 4)),
    );

    const report = (job: Job): void => {
      const { entry } = job;
      const fields = {
        outcome: entry.outcome,
        durationMs: entry.durationMs,
        ...(entry.reason !== undefined && { reason: entry.reason }),
        ...(entry.error && { error: entry.error }),
        ...(entry.detail && { detail: entry.detail }),
      };
      if (entry.outcome === "failed") job.log.error("record failed", fields);
      else if (entry.outcome === "skipped") job.log.info("record skipped", fields);
      else job.log.info("record done", fields);
    };

    const runOne = async (index: number): Promise<void> => {
      const job = jobs[index] as Job;
      const { entry } = job;
      const jobStarted = Date.now();
      try {
        if (job.skip !== undefined) {
          entry.outcome = "skipped";
          entry.reason = job.skip;
        } else if (time.signal.aborted) {
          throw new DeadlineError("not started: the function's time limit was near; SCF's retry will process it");
        } else {
          const { region } = job;
          const result = await job.run({
            config,
            resources,
            name: options.name,
            get cos() {
              return loaded.cos.get(region);
            },
            signal: time.signal,
            deadline,
            timeLeft: () => deadline - Date.now(),
            log: job.log,
            context,
            id: job.id,
          });
          if (finished[index]) return; // abandoned at the deadline; its failure is already reported
          settle(entry, result, redactor);
        }
      } catch (error) {
        if (finished[index]) return;
        entry.outcome = "failed";
        entry.error = errorFields(
          time.signal.aborted && !(error instanceof PermanentError)
            ? new DeadlineError(errorMessage(error), { cause: error })
            : error,
          redactor,
        );
      }
      finished[index] = true;
      entry.durationMs = Date.now() - jobStarted;
      report(job);
    };

    let next = 0;
    const workers = Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
      while (next < jobs.length && !time.passed()) await runOne(next++);
    });
    try {
      await Promise.race([Promise.all(workers), time.abandoned]);
    } finally {
      time.end();
    }
    // Jobs still running (they ignored the signal) or never started are failed, retryably, on time.
    jobs.forEach((job, index) => {
      if (finished[index]) return;
      finished[index] = true;
      job.entry.outcome = "failed";
      job.entry.error = errorFields(
        new DeadlineError("did not finish before the function's time limit; SCF's retry will process it"),
        redactor,
      );
      job.entry.durationMs = Date.now() - started;
      report(job);
    });
    return finish(summary.records.some((r) => r.outcome === "failed" && r.error?.retryable));
  };
}
