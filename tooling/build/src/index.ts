export { type BuiltFunction, buildFunction, listFunctions, SCF_NODE_TARGET, writeFolder } from "./bundle.ts";
export { coldStartMs, median } from "./measure.ts";
export {
  COS_TRIGGER_EVENTS,
  type CosTriggerRule,
  checkServerlessConfig,
  cosTriggerRules,
  overlappingRules,
  rulesOverlap,
  SCF_RUNTIME,
  SCF_RUNTIMES,
  type ServerlessConfigOptions,
  serverlessSrc,
} from "./serverless-config.ts";
export { type SmokeResult, scfNode, smokeTest } from "./smoke.ts";
