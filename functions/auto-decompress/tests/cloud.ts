import type { TestCloud } from "@cosfn/testing";

// The local cloud of these tests is @cosfn/testing's, with the example bucket.
export { EXAMPLE_BUCKET as BUCKET, useTestCloud } from "@cosfn/testing";

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
