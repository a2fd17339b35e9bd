export {
  type BenchResults,
  type MetricSummary,
  machine,
  runScenario,
  SCENARIOS,
  summarize,
  table,
  writeResults,
} from "./harness.ts";
export { type Metric, median, report, type ScenarioResult } from "./metrics.ts";
