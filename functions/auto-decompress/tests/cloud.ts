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
