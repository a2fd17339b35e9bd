import { createHandler, type HandlerOptions } from "@cosfn/runtime";
import { type Config, loadConfig } from "./config.ts";
import { syncObject } from "./process-record.ts";
import { reconcileOnTimer } from "./reconcile.ts";
import { createResources, type Resources, releasingEmbeddedFolders } from "./resources.ts";

export const FUNCTION_NAME = "db-sync";

/** db-sync: COS events update the key's row from a HEAD; a timer event reconciles the bucket. */
export const dbSync: HandlerOptions<Config, Resources> = {
  name: FUNCTION_NAME,
  config: loadConfig,
  setup: createResources,
  filter: (config) => ({
    events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*", "cos:ObjectRestore:Completed"],
    ...(config.keyPrefix && { prefix: config.keyPrefix }),
    outputPrefix: config.statePrefix,
    ...(config.reconcileBucket && { outputBucket: config.reconcileBucket }),
  }),
  // Each record holds a connection for its lock, HEAD and write: as many at once as the pool has connections.
  concurrency: (config) => config.poolSize,
  processRecord: syncObject,
  timer: reconcileOnTimer,
};

/** SCF's entry point. */
export const main_handler = releasingEmbeddedFolders(createHandler(dbSync));
