import * as z from "zod/mini";
import { CosEventError, formatPath } from "./errors.ts";

/**
 * The event a timer trigger sends (SCF doc 583/31927): `{"Type": "Timer", "TriggerName": "EveryDay",
 * "Time": "2019-02-21T11:49:00Z", "Message": "user define msg body"}`. Unknown extra fields are kept.
 */
export const TimerEventSchema = z.looseObject({
  Type: z.literal("Timer", { error: 'expected "Timer"' }),
  TriggerName: z.string({ error: "expected the trigger's name" }),
  Time: z
    .string({ error: "expected the time as ISO 8601" })
    .check(z.refine((value) => !Number.isNaN(Date.parse(value)), { error: "expected the time as ISO 8601" })),
  Message: z.optional(z.string({ error: "expected the trigger's message (a string)" })),
});

/** A timer event, normalized. */
export interface TimerEvent {
  triggerName: string;
  time: Date;
  /** The trigger's own argument (up to 4 KB); empty when none was set. */
  message: string;
  raw: z.infer<typeof TimerEventSchema>;
}

/** Whether an event claims to come from a timer trigger (`Type: "Timer"`): parse it with `parseTimerEvent`. */
export function isTimerEvent(input: unknown): boolean {
  return input !== null && typeof input === "object" && (input as { Type?: unknown }).Type === "Timer";
}

export type SafeParseTimerResult = { success: true; data: TimerEvent } | { success: false; error: CosEventError };

/** Validates a timer event; the error names each field that is wrong (`TriggerName: expected ...`). */
export function safeParseTimerEvent(input: unknown): SafeParseTimerResult {
  const parsed = TimerEventSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), problem: issue.message }));
    return { success: false, error: new CosEventError(issues, { cause: parsed.error }) };
  }
  const raw = parsed.data;
  return {
    success: true,
    data: { triggerName: raw.TriggerName, time: new Date(raw.Time), message: raw.Message ?? "", raw },
  };
}

/** `safeParseTimerEvent`, throwing its error. */
export function parseTimerEvent(input: unknown): TimerEvent {
  const result = safeParseTimerEvent(input);
  if (!result.success) throw result.error;
  return result.data;
}
