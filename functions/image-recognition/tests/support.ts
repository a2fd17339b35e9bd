import { readFileSync } from "node:fs";
import type { HandlerSummary, ScfContext } from "@cosfn/runtime";
import { EXAMPLE_BUCKET, fixturesDir, objectEvent, type TestCloud } from "@cosfn/testing";
import { vi } from "vitest";
import type { Extensions } from "../src/resources.ts";

export type ImageHandler = (event: unknown, context: ScfContext) => Promise<HandlerSummary>;

/** `test-fixtures/responses/ci`: the recorded Cloud Infinite answers the local cloud replays. */
export const recordedCiAnswers = `${fixturesDir}responses/ci`;

/** This package's own recorded answers (moderation verdicts, per-scene labels) for exact-answer tests. */
export const ownCiAnswers = new URL("./responses", import.meta.url).pathname;

/** A real photograph of `test-fixtures/images/`. */
export function photo(name: string): Buffer {
  return readFileSync(`${fixturesDir}images/${name}`);
}

/**
 * A fresh image-recognition handler for these settings (module reloaded, so its warm instance reads this
 * environment), optionally with a user's recognizers or sink plugged in.
 */
export async function loadImageRecognition(
  env: Record<string, string> = {},
  extensions?: Extensions,
): Promise<ImageHandler> {
  vi.unstubAllEnvs();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  const { createHandler } = await import("@cosfn/runtime");
  const { imageRecognition } = await import("../src/handler.ts");
  return createHandler(imageRecognition(extensions)) as ImageHandler;
}

/** Uploads bytes through the COS API (so metadata and ETag are COS's) and returns the event of that upload. */
export async function uploadImage(
  test: TestCloud,
  key: string,
  bytes: Buffer,
  options: { storageClass?: string; tags?: Record<string, string>; contentType?: string } = {},
): Promise<unknown> {
  const { Readable } = await import("node:stream");
  await test.cloud.store.put(EXAMPLE_BUCKET, key, Readable.from([bytes]), {
    contentType: options.contentType ?? "application/octet-stream",
    headers: {},
    meta: {},
    storageClass: options.storageClass ?? "STANDARD",
    tags: Object.entries(options.tags ?? {}),
  });
  return objectEvent([key], "cos:ObjectCreated:Put", { size: bytes.length });
}

/** The sidecar the function stored for a key, parsed. */
export async function storedSidecar(test: TestCloud, key: string): Promise<Record<string, any>> {
  const { storedText } = await import("@cosfn/testing");
  return JSON.parse(await storedText(test.cloud, EXAMPLE_BUCKET, `.cosfn/image-recognition/results/${key}.json`));
}

/** The tags the local cloud stores on an object, as a record. */
export function storedTags(test: TestCloud, key: string): Record<string, string> {
  return Object.fromEntries(test.cloud.store.head(EXAMPLE_BUCKET, key)?.tags ?? []);
}

/** The Cloud Infinite requests the local cloud answered, in order: the process, the key, the query, the status. */
export function ciRequests(
  test: TestCloud,
): { process: string; key: string; query: Record<string, string>; status: number }[] {
  return test.cloud.requests.entries
    .filter((entry) => entry.query["ci-process"] !== undefined)
    .map((entry) => ({
      process: entry.query["ci-process"] as string,
      key: entry.key ?? "",
      query: entry.query,
      status: entry.status,
    }));
}
