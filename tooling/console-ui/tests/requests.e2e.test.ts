import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dev, fixtures, openBrowser, SECRET, shoot, startDev, tabThroughProblems, texts } from "./harness.ts";

/**
 * The requests view: the request log newest first with status and signer, Cloud Infinite's requests with their
 * answers, and the purge cdn-purge makes (bound in direct mode, as in npm start's demo) among the Cloud API calls.
 */
const BUCKET = "requestsbucket-1250000000";
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
        prefix: "site/",
        suffix: "",
        function: "cdn-purge",
        env: { CDN_DOMAINS: "https://static.example.com", STRIP_KEY_PREFIX: "site/", PURGE_MODE: "direct" },
      },
    ],
  });
  for (const key of ["top.txt", "later/新的.txt"]) await dev.put(BUCKET, key, key);
  ({ browser, page } = await openBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
});

const names = (testId: string) => texts(page, testId);

describe("the requests view in headless Chromium against cosfn dev", () => {
  it("lists the request log newest first: the COS requests with their status and signer", async () => {
    await page.goto(`${dev.consoleUrl}#view=requests`);
    await page.getByTestId("request").first().waitFor();
    const rows = await names("request");
    const put = rows.find((row) => row.includes(`${BUCKET}/later/新的.txt`) && row.includes("PUT"));
    expect(put).toContain("200");
    expect(put).toContain(SECRET.secretId);
    // Newest first: the later write is listed before the earlier one.
    expect(rows.indexOf(put as string)).toBeLessThan(rows.findIndex((row) => row.includes(`${BUCKET}/top.txt`)));
    await shoot(page, "requests");
  });

  it("shows the purge cdn-purge made for an upload under site/, after Refresh", async () => {
    await dev.put(BUCKET, "site/docs/index.html", "<h1>hello</h1>", "text/html");
    await expect
      .poll(
        async () => {
          await page.getByRole("button", { name: "Refresh" }).click();
          return (await names("call")).join("\n");
        },
        { timeout: 60_000 },
      )
      .toContain("PurgeUrlsCache");
    const purge = (await names("call")).find((call) => call.includes("PurgeUrlsCache")) as string;
    expect(purge).toContain("cdn");
    expect(purge).toContain("https://static.example.com/docs/");
    await shoot(page, "requests-purge");
  }, 120_000);

  it("shows Cloud Infinite's requests with their answers on their tab, live", async () => {
    await page.getByRole("link", { name: "Cloud Infinite" }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe("#view=requests&service=ci");
    await page.getByText("No request to ci yet.").waitFor();
    await page.getByLabel("Live").check();
    const image = readFileSync(join(fixtures, "images/cat-chelsea.png"));
    await dev.put(BUCKET, "images/cat.png", image, "image/png");
    const { body } = await dev.cos().processObject(BUCKET, "images/cat.png", { "ci-process": "detect-label" });
    // Listed by the live refresh alone, with CI's answer (detect-label's XML), as sent.
    await expect.poll(() => names("request"), { timeout: 30_000 }).toHaveLength(1);
    const row = page.getByTestId("request");
    expect(await row.textContent()).toContain("ci-process=detect-label");
    await row.getByTestId("ci-answer").locator("summary").click();
    const answer = (await row.getByTestId("ci-answer").locator("pre").textContent()) as string;
    expect(answer).toContain("<RecognitionResult>");
    expect(answer).toBe(body.toString("utf8").slice(0, answer.length));
    // Only ci requests on this tab.
    expect((await names("request")).every((text) => text.includes("ci"))).toBe(true);
    await shoot(page, "requests-ci");
    expect(await tabThroughProblems(page)).toBe("");
  }, 120_000);
});
