export { type ScfContext, type ScfContextOverrides, scfContext } from "@cosfn/local-cloud";
export { startTestCloud, type TestCloud, type UseTestCloudOptions, useTestCloud } from "./cloud.ts";
export { eventFixturesDir, fixturesDir, listEventFixtures, loadEvent } from "./fixtures.ts";
export { seedObject, storedBytes, storedKeys, storedText } from "./objects.ts";
export { type ProviderCase, type TestProviderOptions, testProvider } from "./provider.ts";
export { repoDir, scratchProject } from "./scratch.ts";
