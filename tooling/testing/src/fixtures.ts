import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository's `test-fixtures/` folder. */
export const fixturesDir = fileURLToPath(new URL("../../../test-fixtures/", import.meta.url));

/** `test-fixtures/events/`: one folder per event name (`object-created-put`), one JSON file per variant. */
export const eventFixturesDir = `${fixturesDir}events/`;

/**
 * A fixture event, parsed from `test-fixtures/events/<folder>/<variant>.json`. Each call returns a fresh copy,
 * so a test can change one field without affecting another test.
 */
export function loadEvent(folder: string, variant = "basic"): unknown {
  if (!/^[a-z0-9-]+$/.test(folder) || !/^[a-z0-9.-]+$/.test(variant)) {
    throw new RangeError(`loadEvent(${JSON.stringify(folder)}, ${JSON.stringify(variant)}): expected kebab-case names`);
  }
  const file = `${eventFixturesDir}${folder}/${variant}.json`;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new Error(`loadEvent: no fixture ${folder}/${variant}.json in test-fixtures/events`, { cause });
  }
  return JSON.parse(text);
}

/** Folders of `test-fixtures/events/` that hold events of other sources: timer triggers. */
const NOT_COS_EVENTS = new Set(["timer"]);

/** Every COS event fixture as `{ folder, variant }`, sorted; `invalid/` excluded unless asked for, `timer/` never. */
export function listEventFixtures(options: { invalid?: boolean } = {}): { folder: string; variant: string }[] {
  const out: { folder: string; variant: string }[] = [];
  for (const folder of readdirSync(eventFixturesDir).sort()) {
    if ((folder === "invalid") !== (options.invalid ?? false) || NOT_COS_EVENTS.has(folder)) continue;
    for (const file of readdirSync(`${eventFixturesDir}${folder}`).sort()) {
      if (file.endsWith(".json") && !file.endsWith(".expected.json")) {
        out.push({ folder, variant: file.slice(0, -".json".length) });
      }
    }
  }
  return out;
}
