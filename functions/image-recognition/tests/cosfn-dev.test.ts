import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CosClient } from "@cosfn/cos";
import { EXAMPLE_BUCKET, fixturesDir, objectEvent } from "@cosfn/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The "done when", as a person does it: `cosfn dev` running (its Cloud Infinite answered by the offline
 * models, the default), a photo uploaded with `cosfn cos cp`, then `cosfn invoke image-recognition` on its event.
 * Every command is the real executable in a process of its own.
 */
const bin = fileURLToPath(new URL("../../../tooling/cli/bin/cosfn.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "cosfn-image-dev-"));
const KEY = "images/espresso.jpg";
const SECRET_ID = "AKIDcosfnLocalCloudDefaultId00000000";

let dev: ChildProcess | undefined;
let endpoint = "";
let devOutput = "";

beforeAll(async () => {
  dev = spawn(process.execPath, [bin, "dev", "--port", "0", "--data", join(work, "data"), "--bucket", EXAMPLE_BUCKET], {
    env: { ...process.env, TENCENTCLOUD_SECRETID: "", TENCENTCLOUD_SECRETKEY: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = dev;
  endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cosfn dev did not start:\n${devOutput}`)), 60_000);
    const read = (chunk: Buffer) => {
      devOutput += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(devOutput);
      if (match && devOutput.includes("Ctrl-C")) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.once("exit", () => reject(new Error(`cosfn dev exited:\n${devOutput}`)));
  });
}, 90_000);

afterAll(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev?.once("exit", resolve));
    dev.kill("SIGINT");
    await exited;
  }
  rmSync(work, { recursive: true, force: true });
});

function cosfn(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: {
        ...process.env,
        COSFN_COS_ENDPOINT: endpoint,
        TENCENTCLOUD_SECRETID: "",
        TENCENTCLOUD_SECRETKEY: "",
        COSFN_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status: status ?? -1, stdout, stderr }));
  });
}

/** The object's tags, read back from the running `cosfn dev` with the key pair it printed. */
function storedTags(): Promise<Record<string, string>> {
  const secretKey = /SecretKey:\s+(\S+)/.exec(devOutput)?.[1] ?? "";
  const cos = new CosClient({ region: "ap-guangzhou", endpoint, credentials: { secretId: SECRET_ID, secretKey } });
  return cos.getTags(EXAMPLE_BUCKET, KEY);
}

describe("cosfn invoke image-recognition against cosfn dev", () => {
  it("prints labels from the offline recognizer and writes the sidecar and the tags", async () => {
    const photo = join(fixturesDir, "images", "food-coffee.jpg");
    const copied = await cosfn(["cos", "cp", photo, `cos://${EXAMPLE_BUCKET}/${KEY}`]);
    expect(copied.status, copied.stderr).toBe(0);

    const event = join(work, "event.json");
    writeFileSync(event, JSON.stringify(objectEvent([KEY])));
    const result = await cosfn(["invoke", "image-recognition", "--event", event, "--env", "TAG_MIN_CONFIDENCE=30"]);
    expect(result.status, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ function: "image-recognition", processed: 1, failed: 0 });
    // COCO's cup, in Cloud Infinite's language, is the top label of the espresso photo.
    expect(summary.records[0].detail.labels[0]).toMatch(/^杯子:\d+$/);
    expect(summary.records[0].detail).toMatchObject({ format: "jpeg", moderation: 0 });

    const sidecar = await cosfn(["cos", "cat", `cos://${EXAMPLE_BUCKET}/${summary.records[0].detail.sidecar}`]);
    expect(sidecar.status, sidecar.stderr).toBe(0);
    const stored = JSON.parse(sidecar.stdout);
    expect(stored.labels[0]).toMatchObject({ name: "杯子", scene: "camera" });
    expect(stored.moderation).toMatchObject({ result: 0 });

    expect((await storedTags())["cosfn-labels"]).toMatch(/^杯子/);
  }, 240_000);
});
