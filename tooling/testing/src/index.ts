export { type ScfContext, scfContext } from "./context.ts";
export { eventFixturesDir, fixturesDir, listEventFixtures, loadEvent } from "./fixtures.ts";
