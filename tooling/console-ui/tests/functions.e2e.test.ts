import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dev, fixtures, openBrowser, shoot, startDev, tabThroughProblems } from "./harness.ts";

/**
 * The functions view: each function's own view, from `cosfn dev`: cdn-purge's purged URLs after an upload under
 * site/, db-sync's rows (an embedded PGlite table) after uploads under data/, an object cell linking to its object
 * with a thumbnail.
 */
const BUCKET = "viewsbucket-1250000000";
const database = mkdtempSync(join(tmpdir(), "cosfn-console-views-db-"));
let dev: Dev;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  const purge = { CDN_DOMAINS: "https://static.example.com", STRIP_KEY_PREFIX: "site/", PURGE_MODE: "direct" };
  const sync = { DB_URL: `pglite:${join(database, "db")}` };
  dev = await startDev({
    buckets: [BUCKET],
    triggers: [
      {
        bucket: BUCKET,
        events: ["cos:ObjectCreated:*"],
        prefix: "site/",
        suffix: "",
        function: "cdn-purge",
        env: purge,
      },
      { bucket: BUCKET, events: ["cos:ObjectCreated:*"], prefix: "data/", suffix: "", function: "db-sync", env: sync },
    ],
  });
  ({ browser, page } = await openBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
  rmSync(database, { recursive: true, force: true });
});

/** The view's rows' text, read again (its Refresh button) until `done` holds. */
async function rowsUntil(done: (rows: string[]) => boolean): Promise<string[]> {
  let rows: string[] = [];
  await expect
    .poll(
      async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        rows = await page.getByTestId("view-row").allTextContents();
        return done(rows);
      },
      { timeout: 60_000, interval: 500 },
    )
    .toBe(true);
  return rows;
}

/** Waits until the event of a key shows its invocation succeeded. */
async function invoked(key: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const answer = await fetch(new URL(`/api/events?bucket=${BUCKET}`, dev.consoleUrl));
        const { events } = (await answer.json()) as { events: { key: string; outcome: string }[] };
        return events.find((event) => event.key === key)?.outcome;
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe("succeeded");
}

describe("the functions view in headless Chromium against cosfn dev", () => {
  it("shows cdn-purge's purged URLs after an upload under site/", async () => {
    await dev.put(BUCKET, "site/docs/index.html", "<h1>hello</h1>", "text/html");
    await invoked("site/docs/index.html");
    await page.goto(`${dev.consoleUrl}#view=functions`);
    await page.getByRole("link", { name: /^cdn-purge: / }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe("#view=functions&id=cdn-purge");
    const rows = await rowsUntil((shown) => shown.some((row) => row.includes("https://static.example.com/docs/")));
    const purged = rows.find((row) => row.includes("https://static.example.com/docs/")) as string;
    expect(purged).toContain("CDN");
    expect(purged).toContain("PurgeUrlsCache");
    await shoot(page, "functions-cdn-purge");
  }, 120_000);

  it("shows db-sync's rows after uploads under data/, an image's key as a link with its thumbnail", async () => {
    await dev.put(BUCKET, "data/rows.csv", "id,name\n1,一\n", "text/csv");
    await dev.put(BUCKET, "data/photo.jpg", readFileSync(join(fixtures, "images/food-coffee.jpg")), "image/jpeg");
    await invoked("data/rows.csv");
    await invoked("data/photo.jpg");
    await page.goto(`${dev.consoleUrl}#view=functions&id=db-sync`);
    const rows = await rowsUntil(
      (shown) =>
        shown.some((row) => row.includes("data/rows.csv")) && shown.some((row) => row.includes("data/photo.jpg")),
    );
    expect(rows.find((row) => row.includes("data/rows.csv"))).toContain(BUCKET);
    const cell = page.getByTestId("object-cell").filter({ hasText: "data/photo.jpg" });
    const thumbnail = cell.getByTestId("thumbnail");
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    await shoot(page, "functions-db-sync");
    expect(await tabThroughProblems(page)).toBe("");

    // The cell opens its object.
    await cell.click();
    await page.getByTestId("metadata").getByText("(56137 bytes)").waitFor();
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#bucket=${BUCKET}&prefix=data/&key=data/photo.jpg`);
  }, 120_000);
});
