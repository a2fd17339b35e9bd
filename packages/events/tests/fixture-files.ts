import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

// @cosfn/testing has loadEvent, but packages never depend on tooling: the event fixtures are read directly.
const eventsDir = fileURLToPath(new URL("../../../test-fixtures/events/", import.meta.url));

export function readFixture(folder: string, variant: string): unknown {
  return JSON.parse(readFileSync(`${eventsDir}${folder}/${variant}.json`, "utf8"));
}

export function fixtureNames(folderFilter: (folder: string) => boolean): [folder: string, variant: string][] {
  return readdirSync(eventsDir)
    .filter(folderFilter)
    .sort()
    .flatMap((folder) =>
      readdirSync(`${eventsDir}${folder}`)
        .filter((file) => file.endsWith(".json") && !file.endsWith(".expected.json"))
        .sort()
        .map((file): [string, string] => [folder, file.slice(0, -".json".length)]),
    );
}

/** The COS events (every folder but `invalid`, and `timer`, which holds timer-trigger events). */
export const validFixtures = fixtureNames((folder) => folder !== "invalid" && folder !== "timer");
export const invalidFixtures = fixtureNames((folder) => folder === "invalid");
