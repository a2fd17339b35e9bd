import { median } from "@cosfn/build";

export { median };

/** One figure a scenario measured, several times. */
export interface Metric {
  label: string;
  unit: string;
  values: number[];
  /** The label of the metric measured in the same run that this one is compared with. */
  baseline?: string;
  /** Whether more is better (throughput) rather than less (time, bytes). Default false. */
  higherIsBetter?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  description: string;
  metrics: Metric[];
  notes?: string[];
}

/** What a scenario process prints as its last line on stdout, for the harness. */
export const RESULT_MARKER = "COSFN_BENCH_RESULT ";

export function report(result: ScenarioResult): void {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}
