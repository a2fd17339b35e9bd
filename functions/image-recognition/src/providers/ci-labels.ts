import type { LabelScene } from "../config.ts";
import { ciRequest, number, text } from "./ci-request.ts";
import type { ImageLimits, Label, Recognizer } from "./types.ts";

/** `detect-label`'s limits (doc 460/39082; the older revision's, still the safe assumption). */
export const CI_LABEL_LIMITS: ImageLimits = {
  formats: ["jpeg", "png"],
  maxBytes: 3 * 1024 * 1024,
  minSide: 32,
  maxWidth: 7680,
  maxHeight: 4320,
  animated: false,
  refusedStorageClasses: ["ARCHIVE", "DEEP_ARCHIVE"],
};

/** The per-scene containers of today's answer, and their scene. */
const SCENE_CONTAINERS: Record<string, LabelScene> = {
  CameraLabels: "camera",
  WebLabels: "web",
  AlbumLabels: "album",
  NewsLabels: "news",
};

function labelsOf(entries: unknown, scene: string | undefined): Label[] {
  const list = Array.isArray(entries) ? entries : entries === undefined ? [] : [entries];
  const labels: Label[] = [];
  for (const entry of list as Record<string, unknown>[]) {
    const name = text(entry?.Name);
    if (name === undefined) continue;
    const firstCategory = text(entry.FirstCategory);
    const secondCategory = text(entry.SecondCategory);
    labels.push({
      name,
      confidence: number(entry.Confidence),
      ...(scene && { scene }),
      ...(firstCategory && { firstCategory }),
      ...(secondCategory && { secondCategory }),
    });
  }
  return labels;
}

/**
 * The labels of a `detect-label` answer, highest confidence first: today's per-scene containers
 * (`<RecognitionResult><CameraLabels><Labels>...`) and the older flat `<RecognitionResult><Labels>...`; a
 * container or a `Labels` that arrives alone (an object, not a list) counts as a list of one.
 */
export function parseLabels(answer: Record<string, unknown>, defaultScene: string | undefined): Label[] {
  const root = (answer.RecognitionResult ?? (answer.Response as Record<string, unknown>)?.RecognitionResult) as
    | Record<string, unknown>
    | undefined;
  if (!root || typeof root !== "object") return [];
  const labels = labelsOf(root.Labels, defaultScene);
  for (const [container, scene] of Object.entries(SCENE_CONTAINERS)) {
    const found = root[container];
    for (const part of Array.isArray(found) ? found : found === undefined ? [] : [found]) {
      labels.push(...labelsOf((part as Record<string, unknown>)?.Labels, scene));
    }
  }
  return labels.sort((a, b) => b.confidence - a.confidence);
}

export interface CiLabelsOptions {
  scenes: readonly LabelScene[];
  attempts: number;
  baseDelayMs?: number;
}

/** Cloud Infinite's label detection: `GET /<key>?ci-process=detect-label&scenes=...` on the bucket's domain. */
export function createCiLabels(options: CiLabelsOptions): Recognizer {
  const scenes = options.scenes.join(",");
  return {
    name: "ci-labels",
    limits: CI_LABEL_LIMITS,
    async recognize(image, context) {
      const answer = await ciRequest(
        context,
        image.bucket,
        image.key,
        { "ci-process": "detect-label", ...(scenes && { scenes }) },
        options,
      );
      return { labels: parseLabels(answer, options.scenes.length === 1 ? options.scenes[0] : undefined) };
    },
  };
}
