import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LOCAL_CLOUD_NODE_FLAGS } from "@cosfn/local-cloud";
import { describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const fixtures = fileURLToPath(new URL("../../../test-fixtures/events/", import.meta.url));
const bin = fileURLToPath(new URL("../bin/cosfn.js", import.meta.url));

describe("cosfn", () => {
  it("lists its commands with --help and exits 0", async () => {
    const { status, stdout } = await runCli(["--help"]);
    expect(status).toBe(0);
    expect(stdout).toContain("event ");
    expect(stdout).toContain("parse ");
  });

  it("exits 2 on an unknown command, naming it", async () => {
    const { status, stderr } = await runCli(["explode"]);
    expect(status).toBe(2);
    expect(stderr).toContain('unknown command "explode"');
  });

  it("starts Node with the local cloud's options (it hosts the local cloud for `cosfn dev`), run as a command", () => {
    const firstLine = readFileSync(bin, "utf8").split("\n")[0];
    expect(firstLine).toBe(`#!/usr/bin/env -S node ${LOCAL_CLOUD_NODE_FLAGS.join(" ")}`);
    // Run through its first line, as npm's link to it is.
    expect(execFileSync(bin, ["--help"], { encoding: "utf8" })).toContain("Usage: cosfn");
  });

  it.each(["event", "parse"])("%s --help prints its usage", async (command) => {
    const { status, stdout } = await runCli([command, "--help"]);
    expect(status).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: cosfn ${command}`));
  });
});

describe("cosfn event", () => {
  it("prints an event with every option applied", async () => {
    const { status, stdout } = await runCli([
      "event",
      "cos:ObjectCreated:Put",
      "--bucket",
      "examplebucket-1250000000",
      "--region",
      "gz",
      "--key",
      "a b/测试.txt",
      "--size",
      "5",
      "--etag",
      "abc",
      "--vid",
      "v1",
      "--content-type",
      "text/plain",
      "--meta",
      "owner=me",
      "--meta",
      "team=a=b",
      "--time",
      "2026-03-14T08:30:00Z",
    ]);
    expect(status).toBe(0);
    const record = JSON.parse(stdout).Records[0];
    expect(record.cos.cosObject).toMatchObject({
      key: "/1250000000/examplebucket/a b/测试.txt",
      url: "http://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b/%E6%B5%8B%E8%AF%95.txt",
      size: 5,
      vid: "v1",
      meta: { ETag: '"abc"', "Content-Type": "text/plain", "x-cos-meta-owner": "me", "x-cos-meta-team": "a=b" },
    });
    expect(record.cos.cosBucket).toMatchObject({ region: "gz", cosRegion: "ap-guangzhou" });
    expect(record.event).toMatchObject({ eventName: "cos:ObjectCreated:Put", eventTime: 1773477000, reqid: 0 });
  });

  it.each([
    [["cos:ObjectCreated:Put", "--region", "gz", "--key", "k"], "missing --bucket"],
    [["--bucket", "b-1", "--region", "gz", "--key", "k"], "missing <eventName>"],
    [["cos:ObjectCreated:Put", "--bucket", "b-1", "--region", "gz", "--key", "k", "--size=-3"], '--size "-3"'],
    [["cos:ObjectCreated:Put", "--bucket", "b-1", "--region", "gz", "--key", "k", "--meta", "=x"], '--meta "=x"'],
    [["cos:ObjectCreated:Put", "--bucket", "b-1", "--region", "gz", "--key", "k", "--colour"], "--colour"],
  ])("exits 2 on %j", async (args, message) => {
    const { status, stderr } = await runCli(["event", ...args]);
    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('Run "cosfn event --help"');
  });

  it("exits 1 naming a bad bucket or region", async () => {
    const bad = await runCli([
      "event",
      "cos:ObjectCreated:Put",
      "--bucket",
      "nobucket",
      "--region",
      "gz",
      "--key",
      "k",
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('error: bucket "nobucket": expected "<name>-<appid>", e.g. "examplebucket-1250000000"\n');
    const region = await runCli([
      "event",
      "cos:ObjectCreated:Put",
      "--bucket",
      "b-1",
      "--region",
      "moon",
      "--key",
      "k",
    ]);
    expect(region.stderr).toBe('error: region "moon": not a COS region\n');
  });
});

describe("cosfn parse", () => {
  it("prints the normalized records without raw", async () => {
    const { status, stdout } = await runCli(["parse", `${fixtures}object-created-put/batch.json`]);
    expect(status).toBe(0);
    const { records } = JSON.parse(stdout);
    expect(records.map((r: { key: string }) => r.key)).toEqual(["inbox/a.txt", "inbox/b.csv", "inbox/sub/c.bin"]);
    expect(records[0]).not.toHaveProperty("raw");
    expect(records[0].eventTime).toBe("2026-03-14T08:30:00.000Z");
  });

  it("reads standard input for -", async () => {
    const event = JSON.stringify({ Records: [JSON.parse(JSON.stringify(await fixtureRecord()))] });
    const { status, stdout } = await runCli(["parse", "-"], event);
    expect(status).toBe(0);
    expect(JSON.parse(stdout).records[0].key).toBe("photos/2026/cat-2.jpg");
  });

  it("prints error: <path>: <problem> for each problem and exits 1", async () => {
    const { status, stdout, stderr } = await runCli(["parse", `${fixtures}invalid/unknown-region-code.json`]);
    expect(status).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe('error: Records[0].cos.cosBucket.region: unknown COS region code "xx"\n');
  });

  it("names the source of input that is not JSON", async () => {
    const { status, stderr } = await runCli(["parse", "-"], "{not json");
    expect(status).toBe(1);
    expect(stderr).toMatch(/^error: <stdin>: not valid JSON/);
  });

  it("names a file it cannot read", async () => {
    const { status, stderr } = await runCli(["parse", "/nonexistent/event.json"]);
    expect(status).toBe(1);
    expect(stderr).toBe("error: /nonexistent/event.json: cannot read (ENOENT)\n");
  });
});

describe("the cosfn executable", () => {
  it("pipes cosfn event into cosfn parse (the foundation's done-when)", { timeout: 60_000 }, () => {
    const event = execFileSync(bin, [
      "event",
      "cos:ObjectCreated:Put",
      "--bucket",
      "examplebucket-1250000000",
      "--region",
      "ap-guangzhou",
      "--key",
      "a b/测试.txt",
      "--size",
      "5",
    ]);
    const parsed = execFileSync(bin, ["parse", "-"], { input: event });
    const [record] = JSON.parse(parsed.toString()).records;
    expect(record).toMatchObject({ key: "a b/测试.txt", region: "ap-guangzhou", kind: "created", size: 5 });
  });

  it("exits with the command's status", { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "cosfn-cli-"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ Records: [] }));
    const result = spawnSync(bin, ["parse", join(dir, "bad.json")], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: Records: expected at least one record\n");
  });
});

async function fixtureRecord(): Promise<unknown> {
  const { readFile } = await import("node:fs/promises");
  return JSON.parse(await readFile(`${fixtures}object-created-put/basic.json`, "utf8")).Records[0];
}
