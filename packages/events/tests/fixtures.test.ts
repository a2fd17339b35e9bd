import { describe, expect, it } from "vitest";
import { COS_EVENT_NAMES, CosEventError, parseCosEvent, safeParseCosEvent } from "../src/index.ts";
import { invalidFixtures, readFixture, validFixtures } from "./fixture-files.ts";

describe("valid fixtures", () => {
  it("include a basic.json for every event name COS sends", () => {
    const basics = validFixtures.filter(([, variant]) => variant === "basic").map(([folder]) => folder);
    const names = basics.map((folder) => {
      const event = readFixture(folder, "basic") as { Records: { event: { eventName: string } }[] };
      return event.Records[0]?.event.eventName;
    });
    expect(names.sort()).toEqual([...COS_EVENT_NAMES].sort());
  });

  it.each(validFixtures)("%s/%s parses to the committed snapshot", (folder, variant) => {
    const records = parseCosEvent(readFixture(folder, variant));
    const normalized = records.map(({ raw, ...rest }) => ({ ...rest, eventTime: rest.eventTime.toISOString() }));
    expect(normalized).toMatchSnapshot();
  });
});

describe("invalid fixtures", () => {
  it.each(invalidFixtures)("%s/%s fails at the expected path", (folder, variant) => {
    const expected = readFixture(folder, `${variant}.expected`) as { path: string; problem: string };
    const result = safeParseCosEvent(readFixture(folder, variant));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error).toBeInstanceOf(CosEventError);
    expect(result.error.path).toBe(expected.path);
    expect(result.error.problem).toContain(expected.problem);
    expect(result.error.message.startsWith(`${expected.path}: `)).toBe(true);
  });
});
