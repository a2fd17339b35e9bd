import { type ChildProcess, spawn } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCosClient } from "@cosfn/cos";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The console as a person uses it: `cosfn dev` in a process of its own (the real executable, the built front
 * end), objects written through the COS API, and headless Chromium clicking through the pages.
 */
const bin = fileURLToPath(new URL("../../cli/bin/cosfn.js", import.meta.url));
const screenshots = fileURLToPath(new URL("../../../.cosfn/console-ui-screenshots/", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const BUCKET = "consolebucket-1250000000";
const SECRET = { secretId: "AKIDcosfnLocalCloudDefaultId00000000", secretKey: "cosfnLocalCloudDefaultSecretKey000000" };
const archive = fileURLToPath(new URL("../../../test-fixtures/archives/gbk-names.zip", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "cosfn-console-e2e-"));
// auto-decompress bound to uploads/*.zip, as in npm start's demo.
const config = {
  region: "ap-guangzhou",
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
  ],
  retryDelaysSeconds: [1],
};

let dev: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let endpoint = "";
let consoleUrl = "";
let output = "";

const cos = () => createCosClient({ region: "ap-guangzhou", credentials: SECRET, endpoint });
const put = (key: string, body: string) => cos().writeObject({ bucket: BUCKET, key, body, contentType: "text/plain" });

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  writeFileSync(join(work, "dev.json"), JSON.stringify(config));
  const args = ["--config", join(work, "dev.json"), "--log", join(work, "dev.log")];
  dev = spawn(process.execPath, [bin, "dev", "--port", "0", "--data", join(work, "data"), ...args], {
    env: { ...process.env, TENCENTCLOUD_SECRETID: "", TENCENTCLOUD_SECRETKEY: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = dev;
  [endpoint, consoleUrl] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cosfn dev did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const cloud = /listening on (http:\/\/\S+)/.exec(output);
      const page = /console: +(http:\/\/\S+)/.exec(output);
      if (cloud && page && output.includes("Ctrl-C")) {
        clearTimeout(timer);
        resolve([cloud[1] as string, page[1] as string]);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", () => reject(new Error(`cosfn dev exited:\n${output}`)));
  });
  for (const key of ["docs/a b.txt", "docs/../up.txt", "docs/报告 2024/第一季度.txt", "top.txt"]) await put(key, key);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  mkdirSync(screenshots, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev?.once("exit", resolve));
    dev.kill("SIGINT");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

const names = (testId: string) => page.getByTestId(testId).allTextContents();

describe("the console in headless Chromium against cosfn dev", () => {
  it("prints the console's address, on a port other than the local cloud's", () => {
    expect(consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(new URL(consoleUrl).port).not.toBe(new URL(endpoint).port);
    expect(output).not.toContain("JSON API only");
  });

  it("lists a seeded bucket's objects, navigates into folders (.., Chinese, spaces) and back, and opens an object", async () => {
    await page.goto(consoleUrl);
    await page.getByTestId("bucket-link").filter({ hasText: BUCKET }).click();
    await page.getByTestId("listing").waitFor();
    expect(await names("folder-link")).toEqual(["docs/"]);
    expect(await names("object-link")).toEqual(["top.txt"]);

    await page.getByTestId("folder-link").filter({ hasText: "docs/" }).click();
    await expect.poll(() => names("crumbs")).toEqual([`${BUCKET} / docs`]);
    expect(await names("folder-link")).toEqual(["../", "报告 2024/"]);
    expect(await names("object-link")).toEqual(["a b.txt"]);

    await page.getByTestId("folder-link").filter({ hasText: "报告 2024/" }).click();
    await expect.poll(() => names("object-link")).toEqual(["第一季度.txt"]);
    await page.getByTestId("object-link").click();
    const panel = page.getByTestId("metadata");
    await panel.getByText("docs/报告 2024/第一季度.txt").first().waitFor();
    const expectedBytes = Buffer.byteLength("docs/报告 2024/第一季度.txt");
    await panel.getByText(`(${expectedBytes} bytes)`).waitFor();
    await page.screenshot({ path: join(screenshots, "objects.png") });

    await page.getByTestId("up-link").click();
    await expect.poll(() => names("folder-link")).toEqual(["../", "报告 2024/"]);
    await page.getByTestId("folder-link").filter({ hasText: "../" }).click();
    await expect.poll(() => names("object-link")).toEqual(["up.txt"]);
    expect(decodeURIComponent(new URL(page.url()).hash)).toContain("prefix=docs/../");
  });

  it("lists the emitted events newest first and shows a new one live", async () => {
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByText("● live").waitFor();
    await expect.poll(async () => (await names("event")).length).toBe(4);
    expect((await names("event"))[0]).toContain(`${BUCKET}/top.txt`);
    await put("later/新的.txt", "written while the page is open");
    await expect.poll(async () => (await names("event"))[0]).toContain(`${BUCKET}/later/新的.txt`);
    expect(await names("event")).toHaveLength(5);
    await page.screenshot({ path: join(screenshots, "events.png") });
  });

  it("lists the request log newest first: the COS requests with their status and signer", async () => {
    await page.getByRole("link", { name: "Requests" }).click();
    await page.getByTestId("request").first().waitFor();
    const rows = await names("request");
    const put = rows.find((row) => row.includes(`${BUCKET}/later/新的.txt`) && row.includes("PUT"));
    expect(put).toContain("200");
    expect(put).toContain(SECRET.secretId);
    // Newest first: the later write is listed before the seeded ones.
    expect(rows.indexOf(put as string)).toBeLessThan(rows.findIndex((row) => row.includes(`${BUCKET}/top.txt`)));
    await page.screenshot({ path: join(screenshots, "requests.png") });
  });

  it("shows a zip's auto-decompress invocation on its event, and the extracted entries in their folder", async () => {
    await page.getByRole("link", { name: "Events" }).click();
    await page.getByText("● live").waitFor();
    await cos().writeObject({
      bucket: BUCKET,
      key: "uploads/报告.zip",
      body: createReadStream(archive),
      contentType: "application/zip",
    });
    const zipEvent = page.getByTestId("event").filter({ hasText: `${BUCKET}/uploads/报告.zip` });
    await expect.poll(() => zipEvent.textContent(), { timeout: 90_000 }).toMatch(/succeeded\s+auto-decompress/);
    await zipEvent.locator("summary").click();
    await zipEvent.getByText("auto-decompress: succeeded").waitFor();
    await page.screenshot({ path: join(screenshots, "invocation.png") });

    const folder = "extracted/uploads/报告.zip/";
    const stored: string[] = [];
    for await (const object of cos().list(BUCKET, { prefix: folder })) stored.push(object.key);
    expect(stored.length).toBeGreaterThan(0);
    await page.goto(`${consoleUrl}#bucket=${BUCKET}&prefix=${encodeURIComponent(folder)}`);
    await page.getByTestId("listing").waitFor();
    const shown = [
      ...(await names("folder-link")).map((name) => folder + name),
      ...(await names("object-link")).map((name) => folder + name),
    ];
    // Every stored entry is listed itself or under one of the listed folders.
    for (const key of stored)
      expect(shown.some((entry) => key === entry || (entry.endsWith("/") && key.startsWith(entry)))).toBe(true);
  }, 120_000);
});
