import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dev, fixtures, openBrowser, REGION, shoot, startDev, tabThroughProblems, texts } from "./harness.ts";

/** The objects view as a person uses it: folders, opening by path or COS URL, search, previews, upload, delete. */
const BUCKET = "consolebucket-1250000000";
const CHINESE = "docs/报告 2024/第一季度.txt";
const VERSIONED = "versionedbucket-1250000000";
let dev: Dev;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  dev = await startDev({ buckets: [BUCKET, { name: VERSIONED, versioning: "Enabled" }], triggers: [] });
  for (const key of ["docs/a b.txt", "docs/../up.txt", CHINESE, "top.txt"]) await dev.put(BUCKET, key, key);
  ({ browser, page } = await openBrowser());
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dev?.close();
});

const names = (testId: string) => texts(page, testId);
const panel = () => page.getByTestId("metadata");

describe("the objects view in headless Chromium against cosfn dev", () => {
  it("prints the console's address, on a port other than the local cloud's", () => {
    expect(dev.consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(dev.consoleUrl).port).not.toBe(new URL(dev.endpoint).port);
    expect(dev.output()).not.toContain("JSON API only");
  });

  it("lists a seeded bucket's objects, navigates into folders (.., Chinese, spaces) and back, and opens an object", async () => {
    await page.goto(dev.consoleUrl);
    await page.getByTestId("bucket-link").filter({ hasText: BUCKET }).click();
    await page.getByTestId("listing").waitFor();
    expect(await names("folder-link")).toEqual(["docs/"]);
    expect(await names("object-link")).toEqual(["top.txt"]);

    await page.getByTestId("folder-link").filter({ hasText: "docs/" }).click();
    await expect.poll(() => names("crumbs")).toEqual([`${BUCKET} / docs`]);
    // The path changes at the click; the folder's listing arrives after it.
    await expect.poll(() => names("folder-link")).toEqual(["../", "报告 2024/"]);
    expect(await names("object-link")).toEqual(["a b.txt"]);

    await page.getByTestId("folder-link").filter({ hasText: "报告 2024/" }).click();
    await expect.poll(() => names("object-link")).toEqual(["第一季度.txt"]);
    await page.getByTestId("object-link").click();
    await panel().getByText(CHINESE).first().waitFor();
    await panel()
      .getByText(`(${Buffer.byteLength(CHINESE)} bytes)`)
      .waitFor();
    // The text preview: the object's own bytes, as text.
    await expect.poll(() => panel().getByTestId("text-preview").textContent()).toBe(CHINESE);
    await shoot(page, "objects");

    await page.getByTestId("up-link").click();
    await expect.poll(() => names("folder-link")).toEqual(["../", "报告 2024/"]);
    await page.getByTestId("folder-link").filter({ hasText: "../" }).click();
    await expect.poll(() => names("object-link")).toEqual(["up.txt"]);
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain("prefix=docs/../");
  });

  it("opens an object with a Chinese key by its path, by its COS URL and by its cos:// URL", async () => {
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}`);
    const open = async (text: string) => {
      await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}`);
      await page.getByTestId("listing").waitFor();
      await page.getByTestId("open-input").fill(text);
      await page.getByRole("button", { name: "Open", exact: true }).click();
      await panel()
        .getByText(`(${Buffer.byteLength(CHINESE)} bytes)`)
        .waitFor();
      expect(await panel().locator("h2").textContent()).toBe(CHINESE);
      // Its folder is listed, the object selected.
      expect(await names("crumbs")).toEqual([`${BUCKET} / docs / 报告 2024`]);
    };
    await open(CHINESE);
    await open(`https://${BUCKET}.cos.${REGION}.myqcloud.com/${encodeURI(CHINESE)}`);
    await open(`cos://${BUCKET}/${CHINESE}`);

    // A URL that names no COS object is refused as the API words it.
    await page.getByTestId("open-input").fill("https://example.invalid/x");
    await page.getByRole("button", { name: "Open", exact: true }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toMatch(/^BadUrl: /);
  });

  it("searches every key of the bucket, not only the folder shown", async () => {
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}&prefix=docs/`);
    await page.getByTestId("listing").waitFor();
    await page.getByLabel("Search keys").fill("季度");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => names("object-link")).toEqual([CHINESE]);
    await page.getByLabel("Search keys").fill("up");
    await page.getByRole("button", { name: "Search" }).click();
    await expect.poll(() => names("object-link")).toEqual(["docs/../up.txt"]);
    await shoot(page, "search");
  });

  it("uploads files chosen with the picker into the folder shown, with their outcome, and lists them", async () => {
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}&prefix=${encodeURIComponent("docs/报告 2024/")}`);
    await page.getByTestId("listing").waitFor();
    const html = '<b id="injected">bold</b> & <script>window.ran = true</script>';
    await page.getByTestId("upload-picker").setInputFiles([
      { name: "页面.html", mimeType: "text/html", buffer: Buffer.from(html) },
      { name: "espresso.jpg", mimeType: "image/jpeg", buffer: readFileSync(join(fixtures, "images/food-coffee.jpg")) },
    ]);
    await expect.poll(() => names("upload")).toHaveLength(2);
    await expect.poll(async () => (await names("upload")).every((line) => line.includes("stored"))).toBe(true);
    await expect.poll(() => names("object-link")).toEqual(["espresso.jpg", "第一季度.txt", "页面.html"]);
    // Stored through COS as sent: bytes and Content-Type.
    expect((await dev.cos().readBuffer(BUCKET, "docs/报告 2024/页面.html")).toString()).toBe(html);
    expect((await dev.cos().head(BUCKET, "docs/报告 2024/espresso.jpg"))?.contentType).toBe("image/jpeg");

    // HTML is previewed as text: nothing of it becomes part of the page.
    await page.getByTestId("object-link").filter({ hasText: "页面.html" }).click();
    await expect.poll(() => panel().getByTestId("text-preview").locator("pre").textContent()).toBe(html);
    expect(await page.locator("#injected").count()).toBe(0);
    expect(await page.evaluate(() => (window as { ran?: boolean }).ran)).toBeUndefined();

    // An image is previewed as an image, decoded by the browser.
    await page.getByTestId("object-link").filter({ hasText: "espresso.jpg" }).click();
    const image = panel().locator("figure.preview img");
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    await shoot(page, "object-preview");

    // Download: the object's bytes as an attachment named after the key.
    const href = (await page.getByTestId("download").getAttribute("href")) as string;
    const answer = await page.evaluate(async (url) => {
      const response = await fetch(url);
      return {
        disposition: response.headers.get("content-disposition"),
        size: (await response.arrayBuffer()).byteLength,
      };
    }, href);
    expect(answer.disposition).toMatch(/^attachment; .*filename\*=UTF-8''espresso\.jpg/);
    expect(answer.size).toBe(readFileSync(join(fixtures, "images/food-coffee.jpg")).length);
  });

  it("uploads a file dropped on the listing", async () => {
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}&prefix=docs/`);
    await page.getByTestId("listing").waitFor();
    await page.getByTestId("drop-zone").evaluate((zone) => {
      const data = new DataTransfer();
      data.items.add(new File(["dropped bytes"], "拖放 file.txt", { type: "text/plain" }));
      zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => names("object-link")).toContain("拖放 file.txt");
    expect((await dev.cos().readBuffer(BUCKET, "docs/拖放 file.txt")).toString()).toBe("dropped bytes");
  });

  it("deletes an object only after its confirmation, which Escape dismisses", async () => {
    await page.goto(`${dev.consoleUrl}#bucket=${BUCKET}&key=top.txt`);
    await panel().getByText("(7 bytes)").waitFor();
    await page.getByRole("button", { name: "Delete…" }).click();
    const dialog = page.getByTestId("confirm");
    await dialog.waitFor();
    await shoot(page, "delete-confirm");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await dev.cos().head(BUCKET, "top.txt")).not.toBeNull();

    await page.getByRole("button", { name: "Delete…" }).click();
    await dialog.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => names("object-link")).not.toContain("top.txt");
    expect(await dev.cos().head(BUCKET, "top.txt")).toBeNull();
    expect(new URL(page.url()).hash).not.toContain("key=");
  });

  it("downloads each version of a key in a versioned bucket; a delete there leaves a delete marker", async () => {
    await dev.put(VERSIONED, "notes/版本.txt", "first");
    await dev.put(VERSIONED, "notes/版本.txt", "second, longer");
    await page.goto(`${dev.consoleUrl}#bucket=${VERSIONED}&prefix=notes/&key=${encodeURIComponent("notes/版本.txt")}`);
    await expect.poll(() => panel().getByTestId("version").count()).toBe(2);
    const bodies = await panel()
      .getByTestId("version-download")
      .evaluateAll((links) =>
        Promise.all(links.map(async (link) => (await fetch((link as HTMLAnchorElement).href)).text())),
      );
    // Newest first.
    expect(bodies).toEqual(["second, longer", "first"]);

    await page.getByRole("button", { name: "Delete…" }).click();
    await page.getByTestId("confirm").getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => names("object-link")).toEqual([]);
    // The versions stay, under a delete marker.
    await page.goto(`${dev.consoleUrl}#bucket=${VERSIONED}&prefix=notes/&key=${encodeURIComponent("notes/版本.txt")}`);
    await expect.poll(() => panel().getByTestId("version").count()).toBe(3);
    expect(await panel().getByTestId("version").first().textContent()).toContain("delete marker");
    expect(await panel().getByTestId("version-download").count()).toBe(2);
  });

  it("reaches every link, button and field by Tab, each with a visible focus ring", async () => {
    await page.goto(
      `${dev.consoleUrl}#bucket=${BUCKET}&prefix=${encodeURIComponent("docs/报告 2024/")}&key=${encodeURIComponent(CHINESE)}`,
    );
    await panel()
      .getByText(`(${Buffer.byteLength(CHINESE)} bytes)`)
      .waitFor();
    expect(await tabThroughProblems(page)).toBe("");
  });
});
