import { describe, expect, it } from "vitest";
import { summarize, table } from "../src/index.ts";

describe("summarize", () => {
  it("gives median, min, max and the ratio to the baseline measured in the same run", () => {
    const summary = summarize([
      { label: "disk", unit: "MiB/s", values: [100, 300, 200] },
      { label: "cos", unit: "MiB/s", values: [50, 40, 60, 70], baseline: "disk" },
    ]);
    expect(summary).toEqual([
      { label: "disk", unit: "MiB/s", runs: 3, median: 200, min: 100, max: 300 },
      { label: "cos", unit: "MiB/s", runs: 4, median: 55, min: 40, max: 70, baseline: "disk", ratio: 0.275 },
    ]);
  });

  it("prints a Markdown table naming baselines and ratios", () => {
    const text = table({
      scenario: "s",
      description: "d",
      metrics: summarize([
        { label: "unbundled", unit: "bytes", values: [10 * 1024 * 1024] },
        { label: "bundled", unit: "bytes", values: [1024 * 1024], baseline: "unbundled" },
      ]),
      notes: ["a note"],
    });
    expect(text).toBe(
      [
        "s: d",
        "| figure | median | min | max | runs | ratio |",
        "| --- | --- | --- | --- | --- | --- |",
        "| unbundled | 10.0 MiB | 10.0 MiB | 10.0 MiB | 1 | baseline |",
        "| bundled | 1.0 MiB | 1.0 MiB | 1.0 MiB | 1 | 0.10x unbundled |",
        "- a note",
        "",
      ].join("\n"),
    );
  });
});
