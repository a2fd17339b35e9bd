import type { CosClient, ListedObject } from "@cosfn/cos";
import type { ConsoleView, ConsoleViewCell, ConsoleViewData } from "@cosfn/local-cloud";
import { EnvReader } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import type { Sidecar } from "./sidecar.ts";

/**
 * image-recognition's view in the local web console (`cosfn dev`): each recognized image beside its labels and
 * moderation verdict, read from the sidecars the function wrote. Loaded by `cosfn dev` only, never by
 * `src/index.ts`, so it is not in the deployed bundle.
 */

/** What the view needs from `cosfn dev`. */
export interface ImageRecognitionViewContext {
  /** The function's settings (serverless.yml's and its trigger's `env`): where the sidecars are. */
  env: Record<string, string>;
  /** The buckets of the function's trigger rules now: the images and their sidecars are there. */
  buckets(): readonly string[];
  /** A COS client for a bucket (in its region), on the local cloud. */
  cos(bucket: string): CosClient;
}

/** Images shown at most, the most recently recognized first. */
export const IMAGE_LIMIT = 100;
export const COLUMNS = ["image", "status", "labels", "moderation", "actions", "recognized at"];
const VERDICTS = ["normal", "block", "suspicious"] as const;

export function consoleView(ctx: ImageRecognitionViewContext): Pick<ConsoleView, "title" | "load"> {
  return { title: "Recognized images", load: () => loadImages(ctx) };
}

async function loadImages(ctx: ImageRecognitionViewContext): Promise<ConsoleViewData> {
  const title = "Recognized images";
  let config: Config;
  try {
    config = loadConfig(new EnvReader(ctx.env));
  } catch (error) {
    const note = `image-recognition's settings are not valid: ${(error as Error).message}`;
    return { sections: [{ title, note, columns: [], rows: [] }] };
  }
  const buckets = [...new Set(ctx.buckets())];
  if (buckets.length === 0)
    return {
      sections: [{ title, note: "no trigger rule binds image-recognition to a bucket", columns: [], rows: [] }],
    };
  const listed: { bucket: string; object: ListedObject }[] = [];
  const problems: string[] = [];
  for (const bucket of buckets) {
    try {
      for await (const object of ctx.cos(bucket).list(bucket, { prefix: config.sidecarPrefix }))
        if (object.key.endsWith(".json")) listed.push({ bucket, object });
    } catch (error) {
      problems.push(`${bucket}: ${(error as Error).message}`);
    }
  }
  const newest = listed
    .sort((a, b) => b.object.lastModified.getTime() - a.object.lastModified.getTime())
    .slice(0, IMAGE_LIMIT);
  const sidecars = (await mapLimited(newest, 8, ({ bucket, object }) => readSidecar(ctx.cos(bucket), bucket, object)))
    .filter((sidecar): sidecar is Sidecar => sidecar !== undefined)
    .sort((a, b) => b.recognizedAt.localeCompare(a.recognizedAt));
  const shown = listed.length > IMAGE_LIMIT ? `the newest ${IMAGE_LIMIT} of ${listed.length}` : `${sidecars.length}`;
  const note = [
    `${shown} ${shown === "1" ? "image" : "images"}, the most recently recognized first, from the sidecars under ${config.sidecarPrefix} in ${buckets.join(", ")}`,
    ...problems.map((problem) => `could not list ${problem}`),
  ].join("; ");
  return { sections: [{ title, note, columns: COLUMNS, rows: sidecars.map(row) }] };
}

/** A sidecar, or undefined when it is gone since the listing or is not one of the function's. */
async function readSidecar(cos: CosClient, bucket: string, object: ListedObject): Promise<Sidecar | undefined> {
  try {
    const parsed = JSON.parse((await cos.readBuffer(bucket, object.key)).toString("utf8")) as Sidecar;
    return parsed?.version === 1 && typeof parsed.key === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function row(sidecar: Sidecar): ConsoleViewCell[] {
  const moderation = sidecar.moderation;
  return [
    { object: { bucket: sidecar.bucket, key: sidecar.key }, text: sidecar.key },
    sidecar.status === "rejected" && sidecar.error
      ? `rejected: ${sidecar.error.code}: ${sidecar.error.message}`
      : sidecar.status,
    sidecar.labels.map((label) => `${label.name} ${label.confidence}`).join(", "),
    moderation
      ? `${VERDICTS[moderation.result] ?? moderation.result}: ${moderation.label} ${moderation.score}; action ${moderation.decision.action}`
      : null,
    sidecar.actions.join(", "),
    sidecar.recognizedAt,
  ];
}

async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
