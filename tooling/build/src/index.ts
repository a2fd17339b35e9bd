export { type BuiltFunction, buildFunction, listFunctions, SCF_NODE_TARGET, writeFolder } from "./bundle.ts";
export { coldStartMs, median } from "./measure.ts";
export { type SmokeResult, scfNode, smokeTest } from "./smoke.ts";
