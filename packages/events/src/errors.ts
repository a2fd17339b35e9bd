/** One problem found in an event: where (a path like `Records[0].cos.cosObject.key`) and what. */
export interface CosEventIssue {
  readonly path: string;
  readonly problem: string;
}

import { PermanentError } from "@cosfn/errors";

/**
 * The event given to a function is not a COS trigger event it can trust. Never retryable: the same event
 * fails the same way every time. `issues` lists every problem found; the message names the first.
 */
export class CosEventError extends PermanentError {
  override readonly name = "CosEventError";
  readonly issues: readonly CosEventIssue[];

  constructor(issues: readonly CosEventIssue[], options?: { cause?: unknown }) {
    const first = issues[0] ?? { path: "<root>", problem: "invalid COS event" };
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
    super("INVALID_COS_EVENT", `${first.path}: ${first.problem}${more}`, options);
    this.issues = issues;
  }

  /** Where the first problem is. */
  get path(): string {
    return this.issues[0]?.path ?? "<root>";
  }

  /** What the first problem is. */
  get problem(): string {
    return this.issues[0]?.problem ?? "invalid COS event";
  }
}

/** Formats a path the way it would be written in JavaScript: `Records[0].cos.cosObject.meta["x-cos-meta-a"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out || "<root>";
}
