import type { CosClient } from "@cosfn/cos";
import { errorCode, errorMessage, isRetryable } from "@cosfn/errors";
import type { Config } from "./config.ts";
import type { ImageInspection } from "./inspect.ts";
import { type Fit, fitFor, prefitImage, prefitTarget } from "./prefit.ts";
import type { ImageInput, Label, ModerationVerdict, Recognizer } from "./providers/types.ts";
import type { LoadedImage } from "./read-image.ts";
import { outputKey, type ProviderReport, type Sidecar } from "./sidecar.ts";

/** What the recognizers found, and how each one went. */
export interface Recognized {
  labels: Label[];
  moderation: ModerationVerdict | undefined;
  providers: Record<string, ProviderReport>;
  derivative?: Sidecar["derivative"];
}

export interface RecognizeOptions {
  cos: CosClient;
  bucket: string;
  key: string;
  size: number;
  storageClass: string;
  config: Pick<
    Config,
    "derivativePrefix" | "keepDerivatives" | "prefitMaxSide" | "prefitQuality" | "maxPixels" | "failOn"
  >;
  signal: AbortSignal;
}

/**
 * Runs every recognizer on the image: the object itself where it suits the recognizer's limits; else one
 * derivative, pre-fitted to the strictest limits among those that need it, written under `DERIVATIVE_PREFIX`
 * through the function's client (writer marker set) and removed afterwards unless `KEEP_DERIVATIVES`. A
 * recognizer's permanent failure is reported and the others go on; a retryable one (throttling that outlasted
 * the backoff) is thrown, so that SCF retries the event.
 */
export async function recognizeImage(
  recognizers: readonly Recognizer[],
  image: LoadedImage,
  inspection: ImageInspection,
  options: RecognizeOptions,
): Promise<Recognized> {
  const { cos, bucket, key, config } = options;
  const providers: Record<string, ProviderReport> = {};
  const fits = new Map<Recognizer, Fit>();
  for (const recognizer of recognizers) {
    const refused = recognizer.limits.refusedStorageClasses?.includes(options.storageClass);
    const fit = refused
      ? { use: "derivative" as const, because: `storage class ${options.storageClass}` }
      : fitFor(recognizer.limits, inspection, options.size);
    fits.set(recognizer, fit);
    if (fit.use === "none") providers[recognizer.name] = { status: "skipped", reason: fit.because };
  }
  const needing = recognizers.filter((r) => fits.get(r)?.use === "derivative");
  let derivativeInput: ImageInput | undefined;
  let derivative: Recognized["derivative"];
  if (needing.length > 0) {
    const target = prefitTarget(
      needing.map((r) => r.limits),
      config.prefitMaxSide,
    );
    const fitted = await prefitImage(image.bytes, inspection, target, config, image.where);
    const derivativeKey = outputKey(config.derivativePrefix, key, ".jpg");
    await cos.writeObject({
      bucket,
      key: derivativeKey,
      body: fitted.bytes,
      contentType: "image/jpeg",
      signal: options.signal,
    });
    derivativeInput = {
      bucket,
      key: derivativeKey,
      derivative: true,
      size: fitted.bytes.length,
      format: "jpeg",
      width: fitted.width,
      height: fitted.height,
      bytes: fitted.bytes,
    };
    derivative = {
      key: derivativeKey,
      width: fitted.width,
      height: fitted.height,
      size: fitted.bytes.length,
      kept: config.keepDerivatives,
    };
  }
  const original: ImageInput = {
    bucket,
    key,
    derivative: false,
    size: options.size,
    format: inspection.format,
    width: inspection.width,
    height: inspection.height,
    bytes: image.bytes,
  };
  const labels: Label[] = [];
  const verdicts: ModerationVerdict[] = [];
  let retry: unknown;
  try {
    await Promise.all(
      recognizers.map(async (recognizer) => {
        const fit = fits.get(recognizer) as Fit;
        if (fit.use === "none") return;
        const input = fit.use === "original" ? original : (derivativeInput as ImageInput);
        const report: ProviderReport = {
          status: "done",
          input: fit.use,
          ...(fit.use === "derivative" && { reason: `pre-fitted: ${fit.because}` }),
        };
        try {
          const found = await recognizer.recognize(input, { cos, signal: options.signal });
          labels.push(...(found.labels ?? []));
          if (found.moderation) verdicts.push(found.moderation);
        } catch (error) {
          if (isRetryable(error)) retry ??= error;
          report.status = "failed";
          report.error = { code: errorCode(error), message: errorMessage(error) };
        }
        providers[recognizer.name] = report;
      }),
    );
  } finally {
    if (derivative && !config.keepDerivatives) await cos.deleteObject(bucket, derivative.key);
  }
  if (retry !== undefined) throw retry;
  labels.sort((a, b) => b.confidence - a.confidence);
  // With more than one moderation verdict (CI's and a user's), the most severe one decides.
  const severity = (v: ModerationVerdict) => (v.result === 1 ? 2 : v.result === 2 ? 1 : 0) * 1000 + v.score;
  const moderation = verdicts.sort((a, b) => severity(b) - severity(a))[0];
  return { labels, moderation, providers, ...(derivative && { derivative }) };
}
