import { randomUUID } from "node:crypto";
import { cosEvent, matchesEventName } from "@cosfn/events";
import { AttemptLogBuffer } from "./attempt-log.ts";
import type { CosChange } from "./cos/request.ts";
import { type ScfContext, type ScfContextOverrides, scfContext } from "./scf-context.ts";
import { rulesOverlap, TriggerOverlapError } from "./trigger-overlap.ts";

/** The event name (doc 583/9707; REFERENCE §1) of each change the COS API makes. */
const EVENT_NAMES: Record<CosChange["operation"], string> = {
  Put: "cos:ObjectCreated:Put",
  Post: "cos:ObjectCreated:Post",
  Copy: "cos:ObjectCreated:Copy",
  CompleteMultipartUpload: "cos:ObjectCreated:CompleteMultipartUpload",
  Origin: "cos:ObjectCreated:Origin",
  Replication: "cos:ObjectCreated:Replication",
  Delete: "cos:ObjectRemove:Delete",
  DeleteMarkerCreated: "cos:ObjectRemove:DeleteMarkerCreated",
  RestorePost: "cos:ObjectRestore:Post",
  RestoreCompleted: "cos:ObjectRestore:Completed",
};

/** Where a handler's log lines go: they are kept with the attempt (`InvocationAttempt.logs`). */
export interface AttemptLog {
  /** Appends `text` to the attempt's logs, as one line (a newline is added when it has none). */
  log(text: string): void;
}

/**
 * What SCF calls: `main_handler(event, context)`; the local cloud also passes the attempt's log, which a handler
 * may ignore.
 */
export type ScfHandler = (event: unknown, context: ScfContext, attempt: AttemptLog) => unknown;

/** A COS trigger, in the terms of a `serverless.yml` COS trigger: bucket, events, prefix, suffix, function. */
export interface TriggerRule {
  /** The rule's id; `Triggers.add` gives it a random UUID when absent. */
  id?: string;
  /** The full bucket name, `name-appid`. */
  bucket: string;
  /** Event names or patterns, e.g. `cos:ObjectCreated:*`. */
  events: string[];
  prefix?: string;
  suffix?: string;
  /** The function's name, for the context and the log. */
  functionName: string;
  handler: ScfHandler;
  /** Context fields for this function (time limit, memory, environment). */
  context?: ScfContextOverrides;
}

/** A rule as `Triggers` keeps it: with its id. */
export type BoundRule = TriggerRule & { id: string };

export interface InvocationAttempt {
  startedAt: string;
  durationMs: number;
  requestId: string;
  result?: unknown;
  error?: { name: string; message: string };
  /**
   * What the handler logged through its `AttemptLog`: "" when nothing; at most the last 64 KiB, then prefixed with
   * `[... N bytes earlier dropped]\n`.
   */
  logs: string;
}

/** The trigger rule that matched a change, as it was when it matched (it may have been removed since). */
export interface MatchedRule {
  id: string;
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
}

/** One asynchronous invocation of a function by a trigger, with every attempt SCF's retry policy made. */
export interface Invocation {
  id: string;
  functionName: string;
  /** The rule whose match made this invocation. */
  rule: MatchedRule;
  bucket: string;
  key: string;
  eventName: string;
  event: unknown;
  status: "pending" | "running" | "retrying" | "succeeded" | "failed";
  attempts: InvocationAttempt[];
}

export interface TriggerOptions {
  /** Delays before the retries of a failed invocation. SCF: 1 min, then 2 min. */
  retryDelaysMs?: number[];
  /** Called after every attempt, for logs. */
  onAttempt?: (invocation: Invocation, attempt: InvocationAttempt) => void;
  /**
   * At most this many attempts of one function run at once (SCF's concurrency quota of a function); the others
   * stay `pending`, and start in the order their changes came, as running ones end. A retry waiting for its
   * delay holds no place. Unlimited when absent.
   */
  concurrency?: number;
}

/** The places of one function under `concurrency`: how many run, and who waits for one, in order. */
interface Slots {
  running: number;
  waiting: (() => void)[];
}

/**
 * Binds COS changes to functions like COS triggers: each change that a rule matches becomes one SCF event,
 * invoked asynchronously; a handler that throws is retried on SCF's schedule; every invocation is logged.
 */
export class Triggers {
  readonly rules: BoundRule[] = [];
  readonly invocations: Invocation[] = [];
  readonly #retryDelaysMs: number[];
  readonly #onAttempt: TriggerOptions["onAttempt"];
  readonly #pending = new Set<Promise<void>>();
  readonly #concurrency: number;
  readonly #slots = new Map<string, Slots>();
  #idleWaiters: (() => void)[] = [];

  constructor(options: TriggerOptions = {}) {
    this.#retryDelaysMs = options.retryDelaysMs ?? [60_000, 120_000];
    this.#onAttempt = options.onAttempt;
    const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
    if (!(concurrency >= 1)) throw new RangeError(`triggers: concurrency must be at least 1, got ${concurrency}`);
    this.#concurrency = concurrency;
  }

  /** Waits for a place of the function under `concurrency`, in the order asked. */
  async #acquire(functionName: string): Promise<void> {
    let slots = this.#slots.get(functionName);
    if (!slots) {
      slots = { running: 0, waiting: [] };
      this.#slots.set(functionName, slots);
    }
    if (slots.running < this.#concurrency) {
      slots.running++;
      return;
    }
    // The place is handed over by #release: `running` stays counted for the waiter.
    await new Promise<void>((resolve) => slots.waiting.push(resolve));
  }

  #release(functionName: string): void {
    const slots = this.#slots.get(functionName) as Slots;
    const next = slots.waiting.shift();
    if (next) next();
    else slots.running--;
  }

  /**
   * Binds a rule. Throws TriggerOverlapError, as COS refuses it, when it overlaps a rule bound to another
   * function on the same bucket; rules of one function may overlap (each change then invokes it once per rule).
   * Returns the rule as stored, with its id (`rule.id`, else a random UUID); an id already bound is refused.
   */
  add(rule: TriggerRule): BoundRule {
    const clash = this.rules.find((other) => other.functionName !== rule.functionName && rulesOverlap(rule, other));
    if (clash) throw new TriggerOverlapError(rule, clash);
    const bound: BoundRule = { ...rule, id: rule.id ?? randomUUID() };
    if (this.rules.some((other) => other.id === bound.id))
      throw new RangeError(`triggers: a rule with the id ${JSON.stringify(bound.id)} is already bound`);
    this.rules.push(bound);
    return bound;
  }

  /** Removes the rule with this id; false when there is none. Invocations already started run to the end. */
  remove(id: string): boolean {
    const at = this.rules.findIndex((rule) => rule.id === id);
    if (at < 0) return false;
    this.rules.splice(at, 1);
    return true;
  }

  /** Removes every rule; invocations already started run to the end. */
  clear(): void {
    this.rules.length = 0;
  }

  /** The SCF event for a change, in the exact shape COS sends. */
  static eventFor(change: CosChange, functionName: string): { eventName: string; event: unknown } {
    const removal = change.operation === "Delete" || change.operation === "DeleteMarkerCreated";
    const eventName = EVENT_NAMES[change.operation];
    const userMetadata = Object.fromEntries(
      Object.entries(change.object.meta).map(([name, value]) => [name.slice("x-cos-meta-".length), value]),
    );
    const event = cosEvent({
      eventName,
      bucket: change.bucket,
      region: change.region,
      key: change.key,
      size: removal ? 0 : change.object.size,
      ...(!removal && { etag: change.object.etag, contentType: change.object.contentType }),
      // `cosObject.vid`: the version written, removed, or the delete marker created; "" when the bucket names
      // no versions (every published sample). Whether COS also puts `x-cos-version-id` in `meta` is not
      // documented, so it does not.
      ...(change.object.versionId !== undefined && { versionId: change.object.versionId }),
      storageClass: change.object.storageClass,
      userMetadata,
      requestId: change.requestId,
      sourceIp: change.sourceIp,
      functionName,
    });
    return { eventName, event };
  }

  /** Invokes every function whose rule matches the change. */
  dispatch(change: CosChange): void {
    for (const rule of this.rules) {
      if (rule.bucket !== change.bucket) continue;
      if (rule.prefix && !change.key.startsWith(rule.prefix)) continue;
      if (rule.suffix && !change.key.endsWith(rule.suffix)) continue;
      const { eventName, event } = Triggers.eventFor(change, rule.functionName);
      if (!rule.events.some((pattern) => matchesEventName(pattern, eventName))) continue;
      const invocation: Invocation = {
        id: randomUUID(),
        functionName: rule.functionName,
        rule: {
          id: rule.id,
          bucket: rule.bucket,
          events: [...rule.events],
          prefix: rule.prefix ?? "",
          suffix: rule.suffix ?? "",
        },
        bucket: change.bucket,
        key: change.key,
        eventName,
        event,
        status: "pending",
        attempts: [],
      };
      this.invocations.push(invocation);
      this.#track(this.#run(rule, invocation));
    }
  }

  /** Resolves when no invocation is pending, running or waiting for a retry. */
  idle(): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #track(work: Promise<void>): void {
    this.#pending.add(work);
    void work.finally(() => {
      this.#pending.delete(work);
      if (this.#pending.size === 0) {
        const waiters = this.#idleWaiters;
        this.#idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    });
  }

  async #run(rule: BoundRule, invocation: Invocation): Promise<void> {
    // COS invokes asynchronously: the request that made the change has already been answered.
    await new Promise((resolve) => setImmediate(resolve));
    for (let attempt = 0; ; attempt++) {
      await this.#acquire(rule.functionName);
      invocation.status = "running";
      const context = scfContext({ function_name: rule.functionName, ...rule.context });
      const started = Date.now();
      const record: InvocationAttempt = {
        startedAt: new Date(started).toISOString(),
        durationMs: 0,
        requestId: context.request_id,
        logs: "",
      };
      const logs = new AttemptLogBuffer();
      try {
        try {
          // The event is cloned per attempt so that a handler cannot change what a retry receives.
          record.result = await rule.handler(structuredClone(invocation.event), context, logs);
        } finally {
          this.#release(rule.functionName);
          record.logs = logs.text();
        }
        record.durationMs = Date.now() - started;
        invocation.attempts.push(record);
        invocation.status = "succeeded";
        this.#onAttempt?.(invocation, record);
        return;
      } catch (error) {
        record.durationMs = Date.now() - started;
        record.error = { name: (error as Error)?.name ?? "Error", message: (error as Error)?.message ?? String(error) };
        invocation.attempts.push(record);
        const delay = this.#retryDelaysMs[attempt];
        invocation.status = delay === undefined ? "failed" : "retrying";
        this.#onAttempt?.(invocation, record);
        if (delay === undefined) return;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
