import type { CosClient } from "@cosfn/cos";
import type { SetupContext } from "@cosfn/runtime";
import { PurgeBatcher } from "./batcher.ts";
import type { Config } from "./config.ts";
import { createCdnProvider } from "./providers/cdn.ts";
import { createEdgeOneProvider } from "./providers/edgeone.ts";
import type { CdnProvider } from "./providers/types.ts";

/**
 * What a warm instance keeps: the provider (its SDK client, rate limiter and quota), the direct-mode batcher, and
 * the COS client of the queue's region (`QUEUE_REGION`, else the function's), whatever region a record comes from.
 */
export interface Resources {
  provider: CdnProvider;
  batcher: PurgeBatcher;
  queue: CosClient | undefined;
}

/** Builds the configured provider once per warm instance, with the role's credentials. */
export function createResources(config: Config, setup: SetupContext): Resources {
  const common = {
    // Read at each request: SCF may hand a warm instance fresh temporary keys.
    credentials: setup.credentials,
    endpoint: setup.cloudApiEndpoint,
    rateLimit: config.rateLimit,
  };
  const provider =
    config.provider === "edgeone"
      ? createEdgeOneProvider({ ...common, zoneId: config.edgeoneZoneId as string, method: config.edgeoneMethod })
      : createCdnProvider({
          ...common,
          area: config.area,
          international: config.international,
          urlEncode: config.urlEncoding === "cdn",
          flushType: config.flushType,
        });
  const queueRegion = config.queueRegion ?? setup.region;
  const queue = config.queueBucket && queueRegion ? setup.cosFor(queueRegion) : undefined;
  return { provider, batcher: new PurgeBatcher(provider), queue };
}
