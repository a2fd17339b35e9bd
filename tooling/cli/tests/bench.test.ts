import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "cosfn-bench-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("cosfn bench", () => {
  it("runs a scenario in a fresh process, prints its table and writes the results with the machine", {
    timeout: 120_000,
  }, async () => {
    const out = join(dir, "results.json");
    const result = await runCli([
      "bench",
      "local-cloud-put-get",
      "--size",
      "8MiB",
      "--runs",
      "1",
      "--small",
      "40",
      "--console",
      "on",
      "--out",
      out,
    ]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^machine: \d+ x .+, \d+ GiB, Node v\d+/);
    expect(result.stdout).toContain("| cos put |");
    const written = JSON.parse(readFileSync(out, "utf8"));
    expect(written.machine.cpus).toBeGreaterThan(0);
    const [scenario] = written.scenarios;
    expect(scenario.scenario).toBe("local-cloud-put-get");
    const put = scenario.metrics.find((m: { label: string }) => m.label === "cos put");
    expect(put).toMatchObject({ unit: "MiB/s", runs: 1, baseline: "disk write" });
    expect(put.ratio).toBeGreaterThan(0);
    const smallCpu = scenario.metrics.find((m: { label: string }) => m.label === "server CPU per small put");
    expect(smallCpu).toMatchObject({ unit: "ms", runs: 1 });
    expect(smallCpu.median).toBeGreaterThan(0);
    expect(scenario.notes).toContain("the local cloud with its web console");
    expect(scenario.metrics.find((m: { label: string }) => m.label === "server peak RSS").median).toBeGreaterThan(
      10 * 1024 * 1024,
    );
  });

  it("refuses an unknown scenario", async () => {
    const result = await runCli(["bench", "warp-speed"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown scenario "warp-speed"');
  });
});
