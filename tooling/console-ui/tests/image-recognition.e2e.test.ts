import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dev, fixtures, openBrowser, shoot, startDev, type TriggerConfig, tabThroughProblems } from "./harness.ts";

/**
 * image-recognition's view ("Recognized images") from `cosfn dev`, bound as `npm start`'s demo binds it
 * (dev/demo.json's rules, their env), its Cloud Infinite answered by the offline recognizer (`--ci offline`, the
 * default): a real photo of a person uploaded, then its row: the image's thumbnail beside the labels and the
 * moderation verdict the function stored.
 */
const demo = JSON.parse(readFileSync(new URL("../../../dev/demo.json", import.meta.url), "utf8")) as {
  triggers: TriggerConfig[];
};
const rules = demo.triggers.filter((rule) => rule.function === "image-recognition");
const BUCKET = rules[0]?.bucket as string;
const KEY = "images/grace-hopper.jpg";
// A person (the offline recognizer's own tests see "person" then "tie" on it), as the demo seeds it.
const PHOTO = "images/person-grace-hopper.jpg";
const VERDICTS = ["normal", "block", "suspicious"];

interface Summary {
  records: { outcome: string; detail: { labels: string[]; moderation?: number; action?: string; sidecar: string } }[];
}
interface Sidecar {
  key: string;
  status: string;
  labels: { name: string; confidence: number }[];
  moderation?: { result: number; label: string; score: number; decision: { action: string } };
}

let dev: Dev;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  expect(rules.map((rule) => rule.suffix)).toContain(".jpg");
  dev = await startDev({ buckets: [BUCKET], triggers: rules });
  ({ browser, page } = await openBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
});

/** The result image-recognition answered for the key's event, once its invocation is over (it must succeed). */
async function result(key: string): Promise<Summary> {
  let event: { outcome: string; invocations: { attempts: { result?: unknown }[] }[] } | undefined;
  await expect
    .poll(
      async () => {
        const answer = await fetch(new URL(`/api/events?bucket=${BUCKET}&function=image-recognition`, dev.consoleUrl));
        const { events } = (await answer.json()) as { events: (typeof event & { key: string })[] };
        event = events.find((each) => each?.key === key);
        return ["succeeded", "failed"].includes(event?.outcome ?? "");
      },
      { timeout: 100_000, interval: 500 },
    )
    .toBe(true);
  expect(event?.outcome, JSON.stringify(event)).toBe("succeeded");
  const attempts = event?.invocations[0]?.attempts ?? [];
  return attempts[attempts.length - 1]?.result as Summary;
}

describe("image-recognition's view in headless Chromium against cosfn dev", () => {
  it("shows an uploaded photo's thumbnail beside the labels and the verdict the function stored", async () => {
    await dev.put(BUCKET, KEY, readFileSync(join(fixtures, PHOTO)), "image/jpeg");
    const summary = await result(KEY);
    const record = summary.records[0];
    expect(record?.outcome, JSON.stringify(summary)).toBe("done");
    const sidecar = JSON.parse(
      (await dev.cos().readBuffer(BUCKET, record?.detail.sidecar as string)).toString("utf8"),
    ) as Sidecar;
    expect(sidecar).toMatchObject({ key: KEY, status: "recognized" });
    // The result's top labels are the sidecar's; the offline models see the person first.
    expect(record?.detail.labels).toEqual(
      sidecar.labels.slice(0, 5).map((label) => `${label.name}:${label.confidence}`),
    );
    expect(sidecar.labels[0]?.name).toBe("人");
    const moderation = sidecar.moderation;
    expect(moderation?.result).toBe(record?.detail.moderation);
    // The tag holds the top labels at or above the demo's TAG_MIN_CONFIDENCE (the sidecar keeps every label).
    const minimum = Number(rules[0]?.env.TAG_MIN_CONFIDENCE);
    const tagged = sidecar.labels.filter((label) => label.confidence >= minimum).map((label) => label.name);
    expect(tagged.length).toBeGreaterThan(0);
    expect((await dev.cos().getTags(BUCKET, KEY))["cosfn-labels"]).toBe(tagged.slice(0, 5).join("/"));

    await page.goto(`${dev.consoleUrl}#view=functions`);
    await page.getByRole("link", { name: "image-recognition: Recognized images" }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe("#view=functions&id=image-recognition");
    const row = page.getByTestId("view-row").filter({ hasText: KEY });
    await row.waitFor();
    const columns = await page.getByTestId("view-section").locator("th").allTextContents();
    const cells = await row.locator("td").allTextContents();
    const cell = (column: string) => cells[columns.indexOf(column)];
    expect(cell("image")).toBe(KEY);
    expect(cell("status")).toBe("recognized");
    expect(cell("labels")).toBe(sidecar.labels.map((label) => `${label.name} ${label.confidence}`).join(", "));
    expect(cell("moderation")).toBe(
      `${VERDICTS[moderation?.result ?? -1]}: ${moderation?.label} ${moderation?.score}; action ${moderation?.decision.action}`,
    );

    // The image itself, decoded, in the row, left of its labels.
    const thumbnail = row.getByTestId("object-cell").getByTestId("thumbnail");
    await expect
      .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    const image = await thumbnail.boundingBox();
    const labels = await row.locator("td").nth(columns.indexOf("labels")).boundingBox();
    expect(image && labels && image.x + image.width <= labels.x).toBe(true);
    await shoot(page, "functions-image-recognition");
    expect(await tabThroughProblems(page)).toBe("");
  }, 120_000);
});
