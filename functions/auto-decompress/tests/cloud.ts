import { startTestCloud, type TestCloud } from "@cosfn/testing";
import { afterAll, beforeAll, vi } from "vitest";

export const BUCKET = "examplebucket-1250000000";

/**
 * Starts a local cloud with the test bucket before this file's tests (handing it to `started`) and closes it after;
 * the function's own logs are kept to errors meanwhile.
 */
export function useTestCloud(started: (test: TestCloud) => void): void {
  let test: TestCloud | undefined;
  beforeAll(async () => {
    test = await startTestCloud({ buckets: [BUCKET] });
    vi.stubEnv("COSFN_LOG_LEVEL", "error");
    started(test);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await test?.close();
  });
}

/** Runs `run` and counts the GET requests matching `pattern` that reach the local cloud meanwhile (a 0 ms fault). */
export async function countGets<T>(
  test: TestCloud,
  pattern: RegExp,
  run: () => Promise<T>,
): Promise<{ result: T; gets: number }> {
  test.cloud.faults.add({ fault: { kind: "latency", ms: 0 }, method: "GET", pattern });
  const before = test.cloud.faults.injected.latency;
  try {
    const result = await run();
    return { result, gets: test.cloud.faults.injected.latency - before };
  } finally {
    test.cloud.faults.clear();
  }
}
