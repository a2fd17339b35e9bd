export { type ScfContext, type ScfContextOverrides, scfContext } from "@cosfn/local-cloud";
export { eventFixturesDir, fixturesDir, listEventFixtures, loadEvent } from "./fixtures.ts";
