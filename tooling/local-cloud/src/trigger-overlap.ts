import { PermanentError } from "@cosfn/errors";
import type { TriggerRule } from "./triggers.ts";

/** What COS compares when it refuses overlapping trigger rules on one bucket. */
export interface TriggerFilter {
  bucket: string;
  events: string[];
  prefix?: string;
  suffix?: string;
}

/**
 * Whether some event name matches both event patterns, as `matchesEventName` reads them: `*` stands for one or
 * more whole segments, so `cos:ObjectCreated:*` overlaps `cos:ObjectCreated:Put` and `*` overlaps every event.
 */
export function eventPatternsOverlap(a: string, b: string): boolean {
  const x = a.split(":");
  const y = b.split(":");
  for (let i = 0; ; i++) {
    if (i >= x.length || i >= y.length) return x.length === y.length;
    if (x[i] === "*" || y[i] === "*") return true;
    if (x[i] !== y[i]) return false;
  }
}

/**
 * Whether COS would take two rules as overlapping (doc 583/9707; REFERENCE §1): the same bucket, some event of
 * one overlapping some event of the other, prefixes of which one starts with the other, and suffixes of which
 * one ends with the other (an empty or absent filter overlaps every other). Only all three together overlap.
 */
export function rulesOverlap(a: TriggerFilter, b: TriggerFilter): boolean {
  const prefixes = [a.prefix ?? "", b.prefix ?? ""] as const;
  const suffixes = [a.suffix ?? "", b.suffix ?? ""] as const;
  return (
    a.bucket === b.bucket &&
    a.events.some((x) => b.events.some((y) => eventPatternsOverlap(x, y))) &&
    (prefixes[0].startsWith(prefixes[1]) || prefixes[1].startsWith(prefixes[0])) &&
    (suffixes[0].endsWith(suffixes[1]) || suffixes[1].endsWith(suffixes[0]))
  );
}

/** A rule refused because it overlaps a rule of another function on the same bucket, as COS refuses it. */
export class TriggerOverlapError extends PermanentError {
  override readonly name = "TriggerOverlapError";
  readonly rule: TriggerRule;
  readonly existing: TriggerRule;
  constructor(rule: TriggerRule, existing: TriggerRule) {
    super(
      "TriggerRulesOverlap",
      `the trigger rule ${describeRule(rule)} of function ${rule.functionName} overlaps the rule ${describeRule(existing)} of function ${existing.functionName}: COS refuses overlapping rules on one bucket for different functions (same event type, and prefixes and suffixes that overlap or are empty)`,
    );
    this.rule = rule;
    this.existing = existing;
  }
}

/** A rule as one line: `examplebucket-1250000000 [cos:ObjectCreated:*] prefix "in/" suffix ".zip"`. */
export function describeRule(rule: TriggerFilter): string {
  return `${rule.bucket} [${rule.events.join(", ")}] prefix ${JSON.stringify(rule.prefix ?? "")} suffix ${JSON.stringify(rule.suffix ?? "")}`;
}
