import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dev, fixtures, openBrowser, shoot, startDev, tabThroughProblems, texts } from "./harness.ts";

/** The triggers view: the bound rules, one added with the form (an upload it matches runs), then removed. */
const BUCKET = "triggersbucket-1250000000";
const zip = readFileSync(join(fixtures, "archives/gbk-names.zip"));
let dev: Dev;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  dev = await startDev({
    buckets: [BUCKET, "otherbucket-1250000000"],
    triggers: [
      {
        bucket: BUCKET,
        events: ["cos:ObjectCreated:*"],
        prefix: "uploads/",
        suffix: ".zip",
        function: "auto-decompress",
        env: {},
      },
    ],
  });
  ({ browser, page } = await openBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
});

const names = (testId: string) => texts(page, testId);
/** The rules as the local cloud has them bound. */
const bound = async () =>
  ((await (await fetch(new URL("/api/triggers", dev.consoleUrl))).json()) as { rules: { prefix: string }[] }).rules;
/** The outcome and functions of the newest event for a key, as the events page shows it. */
async function eventLine(key: string): Promise<string> {
  await page.goto(`${dev.consoleUrl}#view=events&bucket=${BUCKET}`);
  await page.getByText("● live").waitFor();
  const event = page.getByTestId("event").filter({ hasText: `${BUCKET}/${key}` });
  await event.first().waitFor();
  return (await event.first().locator("summary").textContent()) as string;
}

describe("the triggers view in headless Chromium against cosfn dev", () => {
  it("lists the bound rules", async () => {
    await page.goto(`${dev.consoleUrl}#view=triggers`);
    await expect.poll(() => names("rule")).toHaveLength(1);
    const rule = (await names("rule"))[0];
    for (const part of [BUCKET, "cos:ObjectCreated:*", "uploads/", ".zip", "auto-decompress"])
      expect(rule).toContain(part);
  });

  it("adds a rule with the form, shows the API's refusal of an overlapping one, and runs the added rule", async () => {
    await page.goto(`${dev.consoleUrl}#view=triggers`);
    const form = page.getByTestId("trigger-form");
    await page.getByTestId("trigger-bucket").selectOption(BUCKET);
    await page.getByTestId("trigger-prefix").fill("drop/");
    await page.getByTestId("trigger-suffix").fill(".zip");
    await page.getByTestId("trigger-function").selectOption("auto-decompress");
    await form.getByRole("button", { name: "Add rule" }).click();
    await expect.poll(() => names("rule")).toHaveLength(2);
    expect((await bound()).map((rule) => rule.prefix)).toEqual(["uploads/", "drop/"]);
    await shoot(page, "triggers");
    expect(await tabThroughProblems(page)).toBe("");

    // The same filter for another function overlaps it: refused as COS refuses it, in the API's words.
    await page.getByTestId("trigger-function").selectOption("cdn-purge");
    await form.getByRole("button", { name: "Add rule" }).click();
    await expect.poll(() => page.getByTestId("trigger-error").textContent()).toMatch(/^TriggerOverlap: /);
    expect(await bound()).toHaveLength(2);

    await dev.put(BUCKET, "drop/报告.zip", zip, "application/zip");
    await expect.poll(() => eventLine("drop/报告.zip"), { timeout: 60_000 }).toMatch(/succeeded\s+auto-decompress/);
  }, 120_000);

  it("removes a rule after its confirmation (Escape cancels), and an upload it matched runs nothing", async () => {
    await page.goto(`${dev.consoleUrl}#view=triggers`);
    const added = page.getByTestId("rule").filter({ hasText: "drop/" });
    await added.getByRole("button", { name: "Remove" }).click();
    const dialog = page.getByTestId("confirm");
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await bound()).toHaveLength(2);

    await added.getByRole("button", { name: "Remove" }).click();
    await dialog.getByRole("button", { name: "Remove", exact: true }).click();
    await expect.poll(() => names("rule")).toHaveLength(1);
    expect((await bound()).map((rule) => rule.prefix)).toEqual(["uploads/"]);

    await dev.put(BUCKET, "drop/again.zip", zip, "application/zip");
    expect(await eventLine("drop/again.zip")).toMatch(/none/);
  }, 120_000);
});
