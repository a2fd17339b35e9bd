import type { SetupContext } from "@cosfn/runtime";
import type { Config } from "./config.ts";
import { createCiLabels } from "./providers/ci-labels.ts";
import { createCiModeration } from "./providers/ci-moderation.ts";
import type { Recognizer } from "./providers/types.ts";
import { loadSharp } from "./sharp-loader.ts";
import type { ResultSink } from "./sink.ts";

/** What a warm instance keeps: the recognizers, and where results also go. */
export interface Resources {
  recognizers: Recognizer[];
  sink: ResultSink | undefined;
}

/** Extra parts a user's copy of the function plugs in (README, "Adapt it"). */
export interface Extensions {
  /** More recognizers, after the ones `PROVIDERS` names (e.g. `createCustomRecognizer`). */
  recognizers?: (config: Config) => Recognizer[];
  /** A row per result, e.g. into a database (built once per warm instance). */
  sink?: (config: Config, setup: SetupContext) => ResultSink | Promise<ResultSink>;
}

/** The recognizers `PROVIDERS` names, in its order. */
export function configuredRecognizers(config: Config): Recognizer[] {
  return config.providers.map((name) =>
    name === "ci-labels"
      ? createCiLabels({ scenes: config.labelScenes, attempts: config.ciAttempts })
      : createCiModeration({ bizType: config.bizType, attempts: config.ciAttempts }),
  );
}

/**
 * Builds a warm instance's resources, first loading sharp: where it cannot run, setup fails (every invocation,
 * loudly, until fixed) with a SharpUnavailableError naming the runtime's C library.
 */
export function resourcesWith(extensions: Extensions = {}) {
  return async (config: Config, setup: SetupContext): Promise<Resources> => {
    loadSharp();
    return {
      recognizers: [...configuredRecognizers(config), ...(extensions.recognizers?.(config) ?? [])],
      sink: extensions.sink ? await extensions.sink(config, setup) : undefined,
    };
  };
}
