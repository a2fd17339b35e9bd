import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dev, fixtures, openBrowser, REGION, shoot, startDev, tabThroughProblems, texts } from "./harness.ts";

/**
 * The events view: live, filtered, with each attempt's summary and log lines; a zip uploaded through the page
 * runs auto-decompress; an invocation that failed for a real reason (its target bucket missing) is replayed once
 * the bucket exists, and succeeds.
 */
const BUCKET = "eventsbucket-1250000000";
const MISSING = "laterbucket-1250000000";
const zip = readFileSync(join(fixtures, "archives/gbk-names.zip"));
let dev: Dev;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  dev = await startDev({
    buckets: [BUCKET],
    triggers: [
      {
        bucket: BUCKET,
        events: ["cos:ObjectCreated:*"],
        prefix: "uploads/",
        suffix: ".zip",
        function: "auto-decompress",
        env: {},
      },
      {
        bucket: BUCKET,
        events: ["cos:ObjectCreated:*"],
        prefix: "elsewhere/",
        suffix: ".zip",
        function: "auto-decompress",
        // Its entries go to a bucket that does not exist yet: every attempt fails with NoSuchBucket.
        env: { TARGET_BUCKET: MISSING, FAIL_ON_PERMANENT: "true" },
      },
    ],
    retryDelaysSeconds: [1],
  });
  for (const key of ["a.txt", "b/c.txt"]) await dev.put(BUCKET, key, key);
  ({ browser, page } = await openBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
});

const names = (testId: string) => texts(page, testId);
const eventOf = (key: string) => page.getByTestId("event").filter({ hasText: `${BUCKET}/${key}` });

describe("the events view in headless Chromium against cosfn dev", () => {
  it("lists the emitted events newest first and shows a new one live", async () => {
    await page.goto(`${dev.consoleUrl}#view=events`);
    await page.getByText("● live").waitFor();
    await expect.poll(async () => (await names("event")).length).toBe(2);
    expect((await names("event"))[0]).toContain(`${BUCKET}/b/c.txt`);
    await dev.put(BUCKET, "later/新的.txt", "written while the page is open");
    await expect.poll(async () => (await names("event"))[0]).toContain(`${BUCKET}/later/新的.txt`);
    expect(await names("event")).toHaveLength(3);
    // No rule matched these: nothing was invoked.
    expect((await names("event"))[0]).toContain("none");
  });

  it("runs auto-decompress on a zip dropped on the page: its attempt's summary and log lines, then its entries listed", async () => {
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}&prefix=uploads/`);
    await page.getByTestId("listing").waitFor();
    await page.getByTestId("drop-zone").evaluate(
      (zone, bytes) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], "报告.zip", { type: "application/zip" }));
        zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [...zip],
    );
    await expect.poll(() => names("object-link")).toEqual(["报告.zip"]);

    await page.getByRole("link", { name: "Events", exact: true }).click();
    await page.getByText("● live").waitFor();
    const event = eventOf("uploads/报告.zip");
    await expect.poll(() => event.textContent()).toMatch(/succeeded\s+auto-decompress/);
    await event.locator("summary").click();
    await event.getByText("auto-decompress: succeeded").waitFor();
    expect(await event.getByTestId("matched-rule").first().textContent()).toBe(
      `rule: cos:ObjectCreated:* on ${BUCKET}/uploads/*.zip`,
    );
    const result = JSON.parse((await event.getByTestId("attempt-result").first().textContent()) as string);
    expect(result).toMatchObject({ failed: 0 });
    expect(await event.getByTestId("attempt-logs").first().textContent()).toContain("报告.zip");
    await shoot(page, "events");

    const folder = "extracted/uploads/报告.zip/";
    const stored: string[] = [];
    for await (const object of dev.cos().list(BUCKET, { prefix: folder })) stored.push(object.key);
    expect(stored.length).toBeGreaterThan(0);
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}&prefix=${encodeURIComponent(folder)}`);
    await page.getByTestId("listing").waitFor();
    const shown = [
      ...(await names("folder-link")).map((name) => folder + name),
      ...(await names("object-link")).map((name) => folder + name),
    ];
    // Every stored entry is listed itself or under one of the listed folders.
    for (const key of stored)
      expect(shown.some((entry) => key === entry || (entry.endsWith("/") && key.startsWith(entry)))).toBe(true);
  }, 120_000);

  it("filters by bucket, function and outcome, kept in the hash", async () => {
    await page.goto(`${dev.consoleUrl}#view=events`);
    await page.getByText("● live").waitFor();
    await page.getByTestId("filter-function").selectOption("auto-decompress");
    await expect.poll(() => names("event")).toHaveLength(1);
    expect((await names("event"))[0]).toContain("uploads/报告.zip");
    await page.getByTestId("filter-outcome").selectOption("none");
    await expect.poll(() => names("event")).toHaveLength(0);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe("#view=events&function=auto-decompress&outcome=none");

    // A link keeps the filters.
    await page.goto(`${dev.consoleUrl}#view=events&bucket=${BUCKET}&outcome=none`);
    await page.reload();
    await page.getByText("● live").waitFor();
    // The three plain writes, and auto-decompress's entries (its writes match no rule), nothing else.
    await expect.poll(async () => (await names("event")).join("\n")).toContain(`${BUCKET}/later/新的.txt`);
    const badges = await page.getByTestId("event").locator(".badge").allTextContents();
    expect(new Set(badges)).toEqual(new Set(["none"]));
    for (const key of ["a.txt", "b/c.txt"]) expect(await eventOf(key).count()).toBe(1);
    expect(await eventOf("uploads/报告.zip").count()).toBe(0);
    expect(await page.getByTestId("filter-outcome").inputValue()).toBe("none");
    expect(await page.getByTestId("filter-bucket").inputValue()).toBe(BUCKET);
  });

  it("replays a failed event once what it lacked exists: the replay succeeds and says what it replays", async () => {
    await page.goto(`${dev.consoleUrl}#view=events&outcome=failed`);
    await page.getByText("● live").waitFor();
    await dev.put(BUCKET, "elsewhere/报告.zip", zip, "application/zip");
    const failed = eventOf("elsewhere/报告.zip");
    // Both attempts (the retry after 1 s) fail with NoSuchBucket.
    await expect.poll(() => failed.textContent(), { timeout: 60_000 }).toMatch(/failed\s+auto-decompress/);
    await failed.locator("summary").click();
    await expect.poll(() => failed.getByTestId("attempt").allTextContents()).toHaveLength(2);
    expect((await failed.getByTestId("attempt").allTextContents()).join("\n")).toContain("NoSuchBucket");
    await shoot(page, "events-failed");

    await dev.cli(["cos", "mb", `cos://${MISSING}`, "--region", REGION]);
    await page.goto(`${dev.consoleUrl}#view=events&function=auto-decompress`);
    await page.getByText("● live").waitFor();
    await eventOf("elsewhere/报告.zip")
      .first()
      .getByRole("button", { name: /^Replay/ })
      .click();
    const replay = page.getByTestId("event").filter({ has: page.getByTestId("replay-of") });
    await expect.poll(() => replay.textContent(), { timeout: 60_000 }).toMatch(/succeeded\s+auto-decompress/);
    expect(await replay.getByTestId("replay-of").textContent()).toMatch(/replay of the event of /);
    expect(await replay.textContent()).toContain(`${BUCKET}/elsewhere/报告.zip`);
    const entries: string[] = [];
    for await (const object of dev.cos().list(MISSING)) entries.push(object.key);
    expect(entries.length).toBeGreaterThan(0);
    await shoot(page, "events-replay");
    // Every event's Replay, its summary and the filters are reached by Tab.
    expect(await tabThroughProblems(page)).toBe("");
  }, 120_000);
});
