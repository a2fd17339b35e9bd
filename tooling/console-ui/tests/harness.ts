import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createCosClient } from "@cosfn/cos";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

/**
 * What every browser test file shares: the real `cosfn dev` in a process of its own (the built front end, a dev
 * config of the test's), headless Chromium (Debian's), the COS API through @cosfn/cos, and screenshots of each
 * view at both sizes the console must be readable at.
 */
const bin = fileURLToPath(new URL("../../cli/bin/cosfn.js", import.meta.url));
export const screenshots = fileURLToPath(new URL("../../../.cosfn/console-ui-screenshots/", import.meta.url));
export const fixtures = fileURLToPath(new URL("../../../test-fixtures/", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
export const REGION = "ap-guangzhou";
export const SECRET = {
  secretId: "AKIDcosfnLocalCloudDefaultId00000000",
  secretKey: "cosfnLocalCloudDefaultSecretKey000000",
};
export const WIDE = { width: 1280, height: 800 };
export const NARROW = { width: 420, height: 800 };

export interface TriggerConfig {
  bucket: string;
  events: string[];
  prefix: string;
  suffix: string;
  function: string;
  env: Record<string, string>;
}

export interface Dev {
  endpoint: string;
  consoleUrl: string;
  /** Everything cosfn dev printed so far. */
  output: () => string;
  work: string;
  cos: () => ReturnType<typeof createCosClient>;
  put: (bucket: string, key: string, body: string | Buffer, contentType?: string) => Promise<unknown>;
  /** Runs `cosfn <args>` against this local cloud (COSFN_COS_ENDPOINT), asynchronously; rejects on a failure. */
  cli: (args: string[]) => Promise<string>;
  close: () => Promise<void>;
}

/** Starts `cosfn dev` on free ports with this config (buckets, triggers, retry delays) and waits for its banner. */
export async function startDev(config: {
  buckets: (string | { name: string; versioning?: "Enabled" })[];
  triggers: TriggerConfig[];
  retryDelaysSeconds?: number[];
}): Promise<Dev> {
  const work = mkdtempSync(join(tmpdir(), "cosfn-console-e2e-"));
  writeFileSync(join(work, "dev.json"), JSON.stringify({ region: REGION, retryDelaysSeconds: [1], ...config }));
  const args = ["--config", join(work, "dev.json"), "--log", join(work, "dev.log")];
  const env = { ...process.env, TENCENTCLOUD_SECRETID: "", TENCENTCLOUD_SECRETKEY: "" };
  const dev: ChildProcess = spawn(
    process.execPath,
    [bin, "dev", "--port", "0", "--data", join(work, "data"), ...args],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const [endpoint, consoleUrl] = await new Promise<[string, string]>((resolve, reject) => {
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
    dev.stdout?.on("data", read);
    dev.stderr?.on("data", read);
    dev.once("exit", () => reject(new Error(`cosfn dev exited:\n${output}`)));
  });
  const cos = () => createCosClient({ region: REGION, credentials: SECRET, endpoint });
  const cli = (cliArgs: string[]) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...cliArgs], {
        env: { ...env, COSFN_COS_ENDPOINT: endpoint },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      child.stderr.on("data", (chunk: Buffer) => {
        text += chunk;
      });
      child.once("exit", (code) =>
        code === 0 ? resolve(text) : reject(new Error(`cosfn ${cliArgs.join(" ")} exited ${code}:\n${text}`)),
      );
    });
  return {
    endpoint,
    consoleUrl,
    output: () => output,
    work,
    cos,
    put: (bucket, key, body, contentType = "text/plain") => cos().writeObject({ bucket, key, body, contentType }),
    cli,
    close: async () => {
      if (dev.exitCode === null) {
        const exited = new Promise((resolve) => dev.once("exit", resolve));
        dev.kill("SIGINT");
        await exited;
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Headless Chromium (Debian's `chromium`), and a page at 1280x800. */
export async function openBrowser(): Promise<{ browser: Browser; page: Page }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`);
  const browser = await chromium.launch({
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
  const page = await browser.newPage({ viewport: WIDE });
  mkdirSync(screenshots, { recursive: true });
  return { browser, page };
}

/**
 * How far the page's body is wider than the window ("" when nothing scrolls sideways), naming the innermost
 * elements that stick out (outside a box that scrolls), for the failure's message.
 */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const overflow = document.documentElement.scrollWidth - width;
    if (overflow <= 0) return "";
    const outside = [...document.querySelectorAll("body *")].filter(
      (element) => element.getBoundingClientRect().right > width + 0.5 && !element.closest(".scroll"),
    );
    const innermost = outside.filter(
      (element) => !outside.some((other) => other !== element && element.contains(other)),
    );
    const names = innermost.slice(0, 5).map((element) => `${element.tagName.toLowerCase()}.${element.className}`);
    return `${overflow}px too wide: ${names.join(", ")}`;
  });
/**
 * Screenshots of the view shown at 1280x800 (`<name>.png`) and at 420x800 (`<name>-narrow.png`), checking that
 * at both sizes the page itself does not scroll sideways; leaves the page at 1280x800.
 */
export async function shoot(page: Page, name: string): Promise<void> {
  await page.setViewportSize(WIDE);
  expect(await sidewaysOverflow(page)).toBe("");
  await page.screenshot({ path: join(screenshots, `${name}.png`) });
  await page.setViewportSize(NARROW);
  await expect.poll(() => sidewaysOverflow(page)).toBe("");
  await page.screenshot({ path: join(screenshots, `${name}-narrow.png`) });
  await page.setViewportSize(WIDE);
}

/** The text of every element with this test id. */
export const texts = (page: Page, testId: string) => page.getByTestId(testId).allTextContents();

/**
 * Presses Tab through the page and checks that every visible link, button, field and summary is reached, each
 * with a visible focus ring (an outline); answers what was missed or showed no ring ("" when all is well).
 */
export async function tabThroughProblems(page: Page): Promise<string> {
  const total = await page.evaluate(() => {
    for (const element of document.querySelectorAll("[data-tab-seen], [data-tab-want]")) {
      element.removeAttribute("data-tab-seen");
      element.removeAttribute("data-tab-want");
    }
    (document.activeElement as HTMLElement | null)?.blur();
    const all = [...document.querySelectorAll("a[href], button:not([disabled]), input:not([hidden]), select, summary")];
    const shown = all.filter((element) => (element as HTMLElement).offsetParent !== null);
    shown.forEach((element, index) => {
      element.setAttribute("data-tab-want", String(index));
    });
    return shown.length;
  });
  const problems: string[] = [];
  for (let press = 0; press < total + 5; press++) {
    await page.keyboard.press("Tab");
    const problem = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return "";
      element.setAttribute("data-tab-seen", "");
      const style = getComputedStyle(element);
      const ring = style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0;
      return ring ? "" : `no focus ring on ${element.tagName.toLowerCase()} "${element.textContent?.trim()}"`;
    });
    if (problem) problems.push(problem);
  }
  const missed = await page.evaluate(() =>
    [...document.querySelectorAll("[data-tab-want]:not([data-tab-seen])")].map(
      (element) => `not reached by Tab: ${element.tagName.toLowerCase()} "${element.textContent?.trim()}"`,
    ),
  );
  return [...new Set([...problems, ...missed])].join("\n");
}
