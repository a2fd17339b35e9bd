import type { XmlNode } from "../cos/xml.ts";
import { xmlDocument } from "../cos/xml.ts";

/** The scenes a moderation policy (`biz-type`) can check, each answered in its own `<...Info>` element. */
export const MODERATION_SCENES = ["Porn", "Ads", "Politics", "Terrorism", "Teenager"] as const;
export type ModerationScene = (typeof MODERATION_SCENES)[number];

/** One scene's finding: HitFlag 0 normal, 1 block, 2 suspicious; Score 0-100. */
export interface SceneVerdict {
  hitFlag: 0 | 1 | 2;
  score: number;
  label?: string;
  category?: string;
  subLabel?: string;
}

/** COS's moderation verdict: Result 0 normal, 1 block, 2 suspicious; Score 0-60 normal, 61-90 suspicious, 91-100 sensitive. */
export interface ModerationVerdict {
  result: 0 | 1 | 2;
  /** The scene that decided, e.g. `Porn`, or `Normal`. */
  label: string;
  score: number;
  category?: string;
  subLabel?: string;
  /** Per-scene findings; a scene left out is answered as checked and normal (HitFlag 0, Score 0). */
  scenes?: Partial<Record<ModerationScene, SceneVerdict>>;
}

/** The Result a score falls in: 91-100 block, 61-90 suspicious, else normal (436/48537). */
export function resultForScore(score: number): 0 | 1 | 2 {
  if (score >= 91) return 1;
  if (score >= 61) return 2;
  return 0;
}

/** The synchronous answer: the overall verdict, then one `<SceneInfo>` per scene the policy checks. */
export function moderationXml(
  request: { jobId: string; key: string; dataId: string | undefined; scenes: readonly ModerationScene[] },
  verdict: ModerationVerdict,
): string {
  const info = (scene: ModerationScene): XmlNode => {
    const found: SceneVerdict =
      verdict.scenes?.[scene] ??
      (verdict.label === scene
        ? {
            hitFlag: verdict.result,
            score: verdict.score,
            label: verdict.label,
            ...(verdict.category !== undefined && { category: verdict.category }),
            ...(verdict.subLabel !== undefined && { subLabel: verdict.subLabel }),
          }
        : { hitFlag: 0, score: 0 });
    return [
      `${scene}Info`,
      [
        ["Code", 0],
        ["Msg", "OK"],
        ["HitFlag", found.hitFlag],
        ["Score", found.score],
        ["Label", found.label ?? ""],
        ["Category", found.category ?? ""],
        ["SubLabel", found.subLabel ?? ""],
      ],
    ];
  };
  return xmlDocument([
    "RecognitionResult",
    [
      ["JobId", request.jobId],
      ["State", "Success"],
      ["Object", request.key],
      ...(request.dataId !== undefined ? [["DataId", request.dataId] as XmlNode] : []),
      ["Result", verdict.result],
      ["Label", verdict.label],
      ["Category", verdict.category ?? ""],
      ["SubLabel", verdict.subLabel ?? ""],
      ["Score", verdict.score],
      ...request.scenes.map(info),
    ],
  ]);
}
