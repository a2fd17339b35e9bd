import type { Config } from "./config.ts";
import type { ModerationDecision } from "./moderation-rules.ts";
import { MODERATION_ACTIONS } from "./moderation-rules.ts";
import type { Label, ModerationVerdict } from "./providers/types.ts";

/** COS's longest tag value this function writes (1-255 characters). */
export const MAX_TAG_VALUE = 255;

/**
 * A text as a COS tag value: letters, digits, spaces and `+ - = . _ : / @` only (a comma or anything else becomes
 * `_`), runs of spaces collapsed, at most 255 characters; `undefined` when nothing is left.
 */
export function tagValue(text: string): string | undefined {
  const cleaned = text
    .replace(/[^\p{L}\p{N} +\-=._:/@]/gu, "_")
    .replace(/\s+/g, " ")
    .trim();
  const value = [...cleaned].slice(0, MAX_TAG_VALUE).join("").trim();
  return value === "" ? undefined : value;
}

/** The top labels for a tag: confident enough, each name once, joined by `/` within 255 characters. */
export function labelsTagValue(labels: readonly Label[], count: number, minConfidence: number): string | undefined {
  const names: string[] = [];
  for (const label of labels) {
    if (label.confidence < minConfidence) continue;
    const name = tagValue(label.name.replace(/\//g, " "));
    if (name === undefined || names.includes(name)) continue;
    if ([...[...names, name].join("/")].length > MAX_TAG_VALUE) break;
    names.push(name);
    if (names.length >= count) break;
  }
  return names.length === 0 ? undefined : names.join("/");
}

/**
 * The tags a result adds: the top labels (`LABELS_TAG`), and the moderation verdict (`MODERATION_TAG`, e.g.
 * `block:Porn:98`) when the rules decided `tag` or stronger. A tag whose name is off is left out.
 */
export function resultTags(
  config: Pick<Config, "labelsTag" | "labelsTagCount" | "tagMinConfidence" | "moderationTag">,
  labels: readonly Label[],
  moderation: { verdict: ModerationVerdict; decision: ModerationDecision } | undefined,
): Record<string, string> {
  const tags: Record<string, string> = {};
  const top = labelsTagValue(labels, config.labelsTagCount, config.tagMinConfidence);
  if (config.labelsTag && top) tags[config.labelsTag] = top;
  if (config.moderationTag && moderation) {
    const { verdict, decision } = moderation;
    if (MODERATION_ACTIONS.indexOf(decision.action) >= MODERATION_ACTIONS.indexOf("tag")) {
      const value = tagValue(`${decision.hit ?? "suspicious"}:${verdict.label}:${verdict.score}`);
      if (value) tags[config.moderationTag] = value;
    }
  }
  return tags;
}
