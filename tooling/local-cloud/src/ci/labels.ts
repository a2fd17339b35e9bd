import { CosError } from "../cos/errors.ts";
import type { XmlNode } from "../cos/xml.ts";
import { xmlDocument } from "../cos/xml.ts";

/** detect-label's scenes (460/39082): each a separate model, billed separately; `camera` by default. */
export const LABEL_SCENES = ["camera", "web", "album", "news"] as const;
export type LabelScene = (typeof LABEL_SCENES)[number];

/** A label as CI answers it: a name (Chinese in real answers), a confidence 0-100 and its categories. */
export interface RecognizedLabel {
  name: string;
  confidence: number;
  firstCategory?: string;
  secondCategory?: string;
}

/** Each scene's container under `<RecognitionResult>`. */
const CONTAINERS: Record<LabelScene, string> = {
  camera: "CameraLabels",
  web: "WebLabels",
  album: "AlbumLabels",
  news: "NewsLabels",
};

/** The `scenes` parameter: a comma-separated list of known scenes, `camera` when absent. */
export function parseScenes(value: string | undefined): LabelScene[] {
  if (value === undefined || value === "") return ["camera"];
  const scenes = value.split(",").map((scene) => scene.trim());
  for (const scene of scenes) {
    if (!(LABEL_SCENES as readonly string[]).includes(scene)) {
      throw new CosError(
        "InvalidArgument",
        `detect-label scenes are ${LABEL_SCENES.join(", ")}; got ${JSON.stringify(scene)}`,
      );
    }
  }
  return [...new Set(scenes)] as LabelScene[];
}

/** Today's answer: one container per scene asked for, each holding its `<Labels>` entries. */
export function labelsXml(perScene: { scene: LabelScene; labels: RecognizedLabel[] }[]): string {
  return xmlDocument([
    "RecognitionResult",
    perScene.map(
      ({ scene, labels }): XmlNode => [
        CONTAINERS[scene],
        labels.map(
          (label): XmlNode => [
            "Labels",
            [
              ["Confidence", Math.round(label.confidence)],
              ["Name", label.name],
              ["FirstCategory", label.firstCategory ?? ""],
              ["SecondCategory", label.secondCategory ?? ""],
            ],
          ],
        ),
      ],
    ),
  ]);
}
