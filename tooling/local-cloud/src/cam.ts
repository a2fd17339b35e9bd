import { PermanentError } from "@cosfn/errors";

/**
 * CAM policies (Tencent Cloud's access management, doc 598/10603 "policy syntax") and their evaluation: which
 * (action, resource) pairs a policy allows, and which of its grants a set of requests never used.
 */

/** A condition block: operator -> condition key -> value or values, e.g. `{ string_like: { "cos:prefix": "in/*" } }`. */
export type CamCondition = Record<string, Record<string, string | string[]>>;

export interface CamStatement {
  effect: "allow" | "deny";
  action: string | string[];
  resource: string | string[];
  condition?: CamCondition;
}

/** A policy document as CAM takes it (and as a function's `cam-policy.json` holds it). */
export interface CamPolicy {
  version: "2.0";
  statement: CamStatement[];
}

/**
 * One (action, resource) pair a request needs, e.g. `name/cos:GetObject` on
 * `qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/in/a.zip`, with the condition keys the
 * request sets (`cos:prefix` for a listing).
 */
export interface CamNeed {
  action: string;
  resource: string;
  context?: Record<string, string>;
}

/** A policy that cannot be evaluated faithfully: an unknown field, condition operator or condition key. */
export class CamPolicyError extends PermanentError {
  override readonly name = "CamPolicyError";
  constructor(message: string) {
    super("InvalidCamPolicy", message);
  }
}

/** The condition operators and keys this evaluator implements; anything else is refused, never ignored. */
export const CAM_CONDITION_OPERATORS = ["string_equal", "string_like"] as const;
export const CAM_CONDITION_KEYS = ["cos:prefix"] as const;

const STATEMENT_FIELDS = ["effect", "action", "resource", "condition", "sid"];

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** Checks a policy's shape; throws CamPolicyError naming what it cannot evaluate. */
export function checkCamPolicy(policy: CamPolicy): void {
  if (policy === null || typeof policy !== "object" || !Array.isArray(policy.statement)) {
    throw new CamPolicyError('a CAM policy is { version: "2.0", statement: [...] }');
  }
  if (policy.version !== "2.0") {
    throw new CamPolicyError(`CAM policy version must be "2.0", got ${JSON.stringify(policy.version)}`);
  }
  policy.statement.forEach((statement, i) => {
    const at = `statement[${i}]`;
    for (const field of Object.keys(statement)) {
      if (!STATEMENT_FIELDS.includes(field) && !field.startsWith("$")) {
        throw new CamPolicyError(
          `${at}.${field}: unsupported statement field (expected ${STATEMENT_FIELDS.join(", ")})`,
        );
      }
    }
    if (statement.effect !== "allow" && statement.effect !== "deny") {
      throw new CamPolicyError(`${at}.effect: expected "allow" or "deny", got ${JSON.stringify(statement.effect)}`);
    }
    for (const field of ["action", "resource"] as const) {
      const value = statement[field];
      if (value === undefined || list(value).length === 0 || list(value).some((item) => typeof item !== "string")) {
        throw new CamPolicyError(`${at}.${field}: expected a string or a non-empty list of strings`);
      }
    }
    for (const [operator, keys] of Object.entries(statement.condition ?? {})) {
      if (!(CAM_CONDITION_OPERATORS as readonly string[]).includes(operator)) {
        throw new CamPolicyError(
          `${at}.condition: unsupported condition operator ${JSON.stringify(operator)} (the local cloud evaluates ${CAM_CONDITION_OPERATORS.join(", ")})`,
        );
      }
      for (const key of Object.keys(keys)) {
        if (!(CAM_CONDITION_KEYS as readonly string[]).includes(key)) {
          throw new CamPolicyError(
            `${at}.condition.${operator}: unsupported condition key ${JSON.stringify(key)} (the local cloud evaluates ${CAM_CONDITION_KEYS.join(", ")})`,
          );
        }
      }
    }
  });
}

/** Whether a CAM pattern with `*` wildcards (any run of characters, including none) matches a whole text. */
export function camWildcardMatches(pattern: string, text: string, ignoreCase = false): boolean {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[\\s\\S]*");
  return new RegExp(`^${escaped}$`, ignoreCase ? "i" : "").test(text);
}

/** `name/cos:GetObject` and `cos:GetObject` are the same action. */
function bareAction(action: string): string {
  return action.replace(/^name\//i, "");
}

/** Whether an action pattern (`*`, `cos:*`, `name/cos:Get*`) covers an action; case-insensitive, `name/` optional. */
export function camActionMatches(pattern: string, action: string): boolean {
  return camWildcardMatches(bareAction(pattern), bareAction(action), true);
}

/** Whether a resource pattern covers a resource; case-sensitive, `*` is any run of characters. */
export function camResourceMatches(pattern: string, resource: string): boolean {
  return camWildcardMatches(pattern, resource);
}

function conditionHolds(condition: CamCondition | undefined, context: Record<string, string> = {}): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      // A key the request does not set fails the condition (so the statement does not apply).
      if (actual === undefined) return false;
      const matches =
        operator === "string_equal"
          ? list(expected).includes(actual)
          : list(expected).some((pattern) => camWildcardMatches(pattern, actual));
      if (!matches) return false;
    }
  }
  return true;
}

function statementApplies(statement: CamStatement, need: CamNeed): boolean {
  return (
    list(statement.action).some((pattern) => camActionMatches(pattern, need.action)) &&
    list(statement.resource).some((pattern) => camResourceMatches(pattern, need.resource)) &&
    conditionHolds(statement.condition, need.context)
  );
}

/**
 * CAM's decision for one action on one resource: an explicit deny wins, else an allow allows, else it is
 * denied by default. `context` holds the request's condition keys (`cos:prefix`). Throws CamPolicyError for a
 * policy it cannot evaluate faithfully (an unknown condition operator or key).
 */
export function camAllows(
  policy: CamPolicy,
  action: string,
  resource: string,
  context?: Record<string, string>,
): boolean {
  checkCamPolicy(policy);
  const need: CamNeed = { action, resource, ...(context && { context }) };
  const applying = policy.statement.filter((statement) => statementApplies(statement, need));
  if (applying.some((statement) => statement.effect === "deny")) return false;
  return applying.some((statement) => statement.effect === "allow");
}

/** The needs a policy does not allow, in order (none: everything needed is granted). */
export function camDenied(policy: CamPolicy, needs: readonly CamNeed[]): CamNeed[] {
  return needs.filter((need) => !camAllows(policy, need.action, need.resource, need.context));
}

/** One (action pattern, resource pattern) an allow statement grants, and the needs that used it. */
export interface CamGrant {
  statement: number;
  action: string;
  resource: string;
  usedBy: CamNeed[];
}

/**
 * Every (action pattern × resource pattern) of the policy's allow statements, each with the needs it covers
 * (conditions included). A grant with no `usedBy` is granted but never used: least privilege says remove it.
 */
export function camGrants(policy: CamPolicy, used: readonly CamNeed[]): CamGrant[] {
  checkCamPolicy(policy);
  return policy.statement.flatMap((statement, index) =>
    statement.effect !== "allow"
      ? []
      : list(statement.action).flatMap((action) =>
          list(statement.resource).map(
            (resource): CamGrant => ({
              statement: index,
              action,
              resource,
              usedBy: used.filter(
                (need) =>
                  camActionMatches(action, need.action) &&
                  camResourceMatches(resource, need.resource) &&
                  conditionHolds(statement.condition, need.context),
              ),
            }),
          ),
        ),
  );
}

/** The grants of `camGrants` that no need used: what the policy allows beyond what was needed. */
export function policyGrantUnused(policy: CamPolicy, used: readonly CamNeed[]): CamGrant[] {
  return camGrants(policy, used).filter((grant) => grant.usedBy.length === 0);
}
