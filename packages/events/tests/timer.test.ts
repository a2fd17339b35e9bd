import { describe, expect, it } from "vitest";
import { CosEventError, isTimerEvent, parseTimerEvent, safeParseTimerEvent } from "../src/index.ts";
import { readFixture } from "./fixture-files.ts";

const loadEvent = (folder: string, variant = "basic") => readFixture(folder, variant);

describe("timer events", () => {
  it("parses SCF's documented timer event", () => {
    const event = parseTimerEvent(loadEvent("timer", "documented"));
    expect(event).toMatchObject({
      triggerName: "EveryDay",
      time: new Date("2019-02-21T11:49:00Z"),
      message: "user define msg body",
    });
  });

  it("tells a timer event from a COS event", () => {
    expect(isTimerEvent(loadEvent("timer"))).toBe(true);
    expect(isTimerEvent(loadEvent("object-created-put"))).toBe(false);
    expect(isTimerEvent(null)).toBe(false);
  });

  it.each([
    ["TriggerName", { TriggerName: 5 }, "expected the trigger's name"],
    ["Time", { Time: "yesterday" }, "expected the time as ISO 8601"],
    ["Message", { Message: { a: 1 } }, "expected the trigger's message (a string)"],
  ])("names the field that is wrong: %s", (path, change, problem) => {
    const result = safeParseTimerEvent({ ...(loadEvent("timer") as object), ...change });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error).toBeInstanceOf(CosEventError);
    expect(result.error.issues).toEqual([{ path, problem }]);
  });
});
