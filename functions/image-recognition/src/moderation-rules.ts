import type { ModerationCategory, ModerationVerdict } from "./providers/types.ts";
import { MODERATION_CATEGORIES } from "./providers/types.ts";

/** What a moderation verdict may do to the object, from the mildest to the strongest. */
export const MODERATION_ACTIONS = ["none", "tag", "review", "private", "move", "delete"] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** `porn>=91:delete`: when the category's score (or, for `*`, the verdict's) reaches `minScore`, do `action`. */
export interface ModerationRule {
  category: ModerationCategory | "*";
  minScore: number;
  action: ModerationAction;
}

/** Parses `porn>=91:delete,*>=61:review` (spaces allowed); throws a plain message naming the bad rule. */
export function parseModerationRules(text: string): ModerationRule[] {
  const rules: ModerationRule[] = [];
  for (const item of text.split(",").map((part) => part.trim())) {
    if (item === "") continue;
    const match = /^([a-z*]+)\s*>=\s*(\d{1,3})\s*:\s*([a-z]+)$/i.exec(item);
    const category = match?.[1]?.toLowerCase();
    const action = match?.[3]?.toLowerCase();
    const minScore = Number(match?.[2]);
    if (
      !match ||
      !(category === "*" || (MODERATION_CATEGORIES as readonly string[]).includes(category as string)) ||
      !(MODERATION_ACTIONS as readonly string[]).includes(action as string) ||
      minScore > 100
    ) {
      throw new TypeError(
        `${JSON.stringify(item)} is not <category>>=<0-100>:<action> with a category of *, ${MODERATION_CATEGORIES.join(", ")} and an action of ${MODERATION_ACTIONS.join(", ")}`,
      );
    }
    rules.push({ category: category as ModerationRule["category"], minScore, action: action as ModerationAction });
  }
  return rules;
}

/** What the rules decided for one verdict. */
export interface ModerationDecision {
  action: ModerationAction;
  /** The rule that decided, as written (`porn>=91:delete`); absent when none matched. */
  rule?: string;
  /** The category whose score matched (`*` for the verdict's own). */
  category?: ModerationCategory | "*";
  /** Whether the matched hit is a block or only suspicious. */
  hit?: "block" | "suspicious";
  /** The rule's action when it was `move` or `delete` on a suspicious hit, downgraded to `review`. */
  downgradedFrom?: ModerationAction;
}

/** A hit's strength: CI's HitFlag/Result (1 block, 2 suspicious), else its score (91-100 sensitive). */
function hitKind(flag: number | undefined, score: number): "block" | "suspicious" {
  if (flag === 1) return "block";
  if (flag === 2) return "suspicious";
  return score >= 91 ? "block" : "suspicious";
}

/**
 * The strongest action among the rules a verdict matches (the first rule on a tie). `move` and `delete` never run
 * on a suspicious hit unless `destructiveOnSuspicious`: they become `review`, a person's decision.
 */
export function decideModeration(
  verdict: ModerationVerdict,
  rules: readonly ModerationRule[],
  destructiveOnSuspicious: boolean,
): ModerationDecision {
  let best: ModerationDecision = { action: "none" };
  for (const rule of rules) {
    const scored =
      rule.category === "*"
        ? { score: verdict.score, flag: verdict.result === 0 ? undefined : verdict.result }
        : verdict.categories[rule.category] && {
            score: verdict.categories[rule.category]?.score ?? 0,
            flag: verdict.categories[rule.category]?.hitFlag || undefined,
          };
    if (!scored || scored.score < rule.minScore) continue;
    const hit = hitKind(scored.flag, scored.score);
    let action = rule.action;
    let downgradedFrom: ModerationAction | undefined;
    if ((action === "move" || action === "delete") && hit === "suspicious" && !destructiveOnSuspicious) {
      downgradedFrom = action;
      action = "review";
    }
    if (MODERATION_ACTIONS.indexOf(action) > MODERATION_ACTIONS.indexOf(best.action)) {
      best = {
        action,
        rule: `${rule.category}>=${rule.minScore}:${rule.action}`,
        category: rule.category,
        hit,
        ...(downgradedFrom && { downgradedFrom }),
      };
    }
  }
  return best;
}
