// Helpers defined once in the local cloud, re-exported with the rest of a test's tools.
export {
  type ScfContext,
  type ScfContextOverrides,
  scfContext,
  seedObject,
  storedBytes,
  storedKeys,
  storedText,
} from "@cosfn/local-cloud";
export { type CamCoverage, camCoverage } from "./cam.ts";
export {
  EXAMPLE_BUCKET,
  startTestCloud,
  type TestCloud,
  type UseTestCloudOptions,
  useTestCloud,
} from "./cloud.ts";
export { eventFixturesDir, fixturesDir, listEventFixtures, loadEvent } from "./fixtures.ts";
export { type InvocationSummary, invokeHandler, objectEvent } from "./invoke.ts";
export { type ProviderCase, type TestProviderOptions, testProvider } from "./provider.ts";
export { repoDir, scratchProject } from "./scratch.ts";
