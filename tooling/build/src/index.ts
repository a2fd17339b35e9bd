export { type BuiltFunction, buildFunction, listFunctions, SCF_NODE_TARGET } from "./bundle.ts";
export { coldStartMs, median } from "./measure.ts";
export { type SmokeResult, scfNode, smokeTest } from "./smoke.ts";
