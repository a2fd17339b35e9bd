import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cosEvent } from "@cosfn/events";
import type { Invocation, InvocationAttempt } from "@cosfn/local-cloud";
import { EXAMPLE_BUCKET, scfContext, seedObject, type TestCloud, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { main_handler } from "../../../functions/auto-decompress/src/index.ts";
import { invocationLine } from "../src/dev/invocation-line.ts";

const corpus = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

/** `cosfn dev`'s line for one attempt that returned `result`. */
function line(key: string, result: unknown): string {
  const attempt: InvocationAttempt = {
    startedAt: "2026-01-02T03:04:05.000Z",
    durationMs: 12,
    requestId: "r",
    result,
    logs: "",
  };
  const invocation: Invocation = {
    id: "1",
    functionName: "auto-decompress",
    rule: { id: "r1", bucket: EXAMPLE_BUCKET, events: ["cos:ObjectCreated:*"], prefix: "", suffix: ".zip" },
    bucket: EXAMPLE_BUCKET,
    key,
    eventName: "cos:ObjectCreated:Put",
    event: {},
    status: "succeeded",
    attempts: [attempt],
  };
  return invocationLine(invocation, attempt);
}

async function extract(key: string, file: string): Promise<unknown> {
  await seedObject(test.cloud, EXAMPLE_BUCKET, key, readFileSync(`${corpus}${file}`));
  const event = cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: EXAMPLE_BUCKET, region: "ap-guangzhou", key });
  return main_handler(event, scfContext({ time_limit_in_ms: 60_000 }));
}

describe("cosfn dev's line per invocation", () => {
  it("shows the entries a traversal zip skipped, not only the records", async () => {
    expect(line("in/traversal.zip", await extract("in/traversal.zip", "traversal.zip"))).toBe(
      "03:04:05  auto-decompress  cos:ObjectCreated:Put  in/traversal.zip  done: 1 processed, 0 skipped, 0 failed " +
        "(3 written, 0 already-written, 7 skipped, 0 refused, 0 failed, 2 renamed)  12 ms",
    );
  });

  it("shows why a record failed: a refused archive names its limit", async () => {
    expect(line("in/overlap.zip", await extract("in/overlap.zip", "overlap-quoted.zip"))).toMatch(
      /done: 0 processed, 0 skipped, 1 failed: ARCHIVE_REFUSED: entries 0 and 1 overlap: .* {2}12 ms$/,
    );
  });
});
