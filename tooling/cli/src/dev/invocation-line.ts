import type { Invocation, InvocationAttempt } from "@cosfn/local-cloud";

/**
 * One line per invocation attempt: time, function, key, outcome (with the numeric counts of each record's detail,
 * such as the entries an archive skipped, and the first failed record's error), duration.
 */
export function invocationLine(invocation: Invocation, attempt: InvocationAttempt): string {
  const time = attempt.startedAt.slice(11, 19);
  const summary = attempt.result as
    | {
        processed?: number;
        skipped?: number;
        failed?: number;
        records?: { detail?: Record<string, unknown>; error?: { code: string; message: string } }[];
      }
    | undefined;
  let outcome: string;
  if (attempt.error) {
    const tries = `attempt ${invocation.attempts.length}`;
    outcome = `failed (${tries}${invocation.status === "retrying" ? ", SCF will retry" : ", gave up"}): ${attempt.error.message}`;
  } else if (summary && typeof summary.processed === "number") {
    outcome = `done: ${summary.processed} processed, ${summary.skipped ?? 0} skipped, ${summary.failed ?? 0} failed`;
    const records = Array.isArray(summary.records) ? summary.records : [];
    const counts = records.flatMap((record) =>
      Object.entries(record.detail ?? {})
        .filter(([, value]) => typeof value === "number")
        .map(([name, value]) => `${value} ${name}`),
    );
    if (counts.length > 0) outcome += ` (${counts.join(", ")})`;
    const failure = records.find((record) => record.error)?.error;
    if (failure) outcome += `: ${failure.code}: ${failure.message}`;
  } else outcome = "done";
  return `${time}  ${invocation.functionName}  ${invocation.eventName}  ${invocation.key}  ${outcome}  ${attempt.durationMs} ms`;
}
