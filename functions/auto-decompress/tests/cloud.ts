import { type TestCloud, useTestCloud as useSharedTestCloud } from "@cosfn/testing";

export const BUCKET = "examplebucket-1250000000";

/** `useTestCloud` from @cosfn/testing with this function's test bucket, handing the cloud to `started`. */
export function useTestCloud(started: (test: TestCloud) => void): void {
  useSharedTestCloud({ buckets: [BUCKET] }, started);
}

/** Runs `run` and counts the GET requests whose key matches `pattern` in the local cloud's request log. */
export async function countGets<T>(
  test: TestCloud,
  pattern: RegExp,
  run: () => Promise<T>,
): Promise<{ result: T; gets: number }> {
  const before = test.cloud.requests.entries.length;
  const result = await run();
  const gets = test.cloud.requests.entries
    .slice(before)
    .filter((entry) => entry.method === "GET" && entry.key !== null && pattern.test(`/${entry.key}`)).length;
  return { result, gets };
}
