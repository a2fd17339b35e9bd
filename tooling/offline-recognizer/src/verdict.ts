import type { Recognizer } from "@cosfn/local-cloud";
import type { NsfwClass } from "./moderation.ts";

/** The verdict type the local cloud's `Recognizer.moderate` answers. */
export type ModerationVerdict = Awaited<ReturnType<NonNullable<Recognizer["moderate"]>>>;

/** CI's bands (436/48537): 0-60 normal, 61-90 suspicious, 91-100 sensitive (block). */
function resultForScore(score: number): 0 | 1 | 2 {
  if (score >= 91) return 1;
  if (score >= 61) return 2;
  return 0;
}

/**
 * nsfwjs's five probabilities as CI's verdict. The Porn scene's score is 100 x the larger of Porn + Hentai
 * (explicit) and Sexy (suggestive); its Category is the class that weighed most (`Porn`, `Hentai` or `Sexy`).
 * Result and HitFlag follow CI's score bands. The model checks nothing else: Ads, Politics, Terrorism and
 * Teenager are answered normal with score 0 (not checked, not cleared).
 */
export function moderationVerdict(probabilities: Record<NsfwClass, number>): ModerationVerdict {
  const explicit = probabilities.Porn + probabilities.Hentai;
  const suggestive = probabilities.Sexy;
  const score = Math.min(100, Math.round(100 * Math.max(explicit, suggestive)));
  const result = resultForScore(score);
  const category = explicit >= suggestive ? (probabilities.Porn >= probabilities.Hentai ? "Porn" : "Hentai") : "Sexy";
  const hit = result !== 0;
  return {
    result,
    label: hit ? "Porn" : "Normal",
    score,
    category: hit ? category : "",
    subLabel: "",
    scenes: {
      Porn: { hitFlag: result, score, label: hit ? "Porn" : "", category: hit ? category : "", subLabel: "" },
    },
  };
}
