import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc64 } from "@cosfn/checksums";
import { type LocalCloud, seedObject, startLocalCloud, storedBytes, storedKeys } from "@cosfn/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bin, runBin } from "./run-bin.ts";

const BUCKET = "examplebucket-1250000000";
let cloud: LocalCloud;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  // As a user of cosfn dev: the endpoint only, the local cloud's default credentials.
  env = { PATH: process.env.PATH, HOME: process.env.HOME, COSFN_COS_ENDPOINT: cloud.endpoint };
  dir = await mkdtemp(join(tmpdir(), "cosfn-cos-verbs-"));
});
afterAll(async () => {
  await cloud.close();
  await rm(dir, { recursive: true, force: true });
});

const cos = (args: string[], stdin = "") => runBin(["cos", ...args], { env, stdin });
const url = (key = "") => `cos://${BUCKET}/${key}`;
const lines = (text: string) => text.split("\n").filter(Boolean);

describe("cosfn cos ls", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    for (const key of ["ls/a.txt", "ls/b/one.txt", "ls/b/two.txt", "ls/c/d/deep.txt"]) {
      await seedObject(cloud, BUCKET, key, "x".repeat(2048));
    }
  });

  it("with no URL lists the buckets, with their regions", async () => {
    expect((await cos(["mb", "cos://second-1250000000", "--region", "ap-shanghai"])).status).toBe(0);
    const result = await cos(["ls"]);
    expect(result.status, result.stderr).toBe(0);
    expect(lines(result.stdout).map((line) => line.split("\t").slice(0, 2))).toEqual([
      [BUCKET, "ap-guangzhou"],
      ["second-1250000000", "ap-shanghai"],
    ]);
    expect((await cos(["rb", "cos://second-1250000000", "--region", "ap-shanghai"])).status).toBe(0);
  });

  it("lists one level, CommonPrefixes as folders; -r recurses; -h sizes; --json for scripts", async () => {
    const level = await cos(["ls", url("ls/")]);
    expect(level.status, level.stderr).toBe(0);
    expect(lines(level.stdout).map((line) => line.split("\t").slice(0, 2))).toEqual([
      ["ls/a.txt", "2048"],
      ["ls/b/", "DIR"],
      ["ls/c/", "DIR"],
    ]);
    const all = await cos(["ls", "-r", url("ls/")]);
    expect(lines(all.stdout).map((line) => line.split("\t")[0])).toEqual([
      "ls/a.txt",
      "ls/b/one.txt",
      "ls/b/two.txt",
      "ls/c/d/deep.txt",
    ]);
    const human = await cos(["ls", "-h", url("ls/a.txt")]);
    expect(human.stdout.split("\t").slice(0, 2)).toEqual(["ls/a.txt", "2.0 KiB"]);
    const json = await cos(["ls", "--json", url("ls/")]);
    expect(lines(json.stdout).map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ type: "object", key: "ls/a.txt", size: 2048, storageClass: "STANDARD" }),
      { type: "folder", prefix: "ls/b/" },
      { type: "folder", prefix: "ls/c/" },
    ]);
  });

  it("cosfn cos --help is the help; -h is not", async () => {
    const result = await cos(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: cosfn cos <verb>/);
    for (const verb of ["ls", "cp", "sync", "rm", "cat", "du", "hash", "signurl", "mb", "rb"]) {
      expect(result.stdout).toContain(`  cosfn cos ${verb} `);
    }
  });
});

describe("cosfn cos cp -r, sync, rm -r, du", { timeout: 120_000 }, () => {
  it("cp -r copies a folder to a prefix and the prefix back to a folder, byte for byte", async () => {
    const local = join(dir, "tree");
    await mkdir(join(local, "sub/deeper"), { recursive: true });
    await writeFile(join(local, "a.txt"), "alpha");
    await writeFile(join(local, "sub/b.json"), '{"b":1}');
    await writeFile(join(local, "sub/deeper/c.bin"), Buffer.from([0, 1, 2, 255]));
    const up = await cos(["cp", "-r", local, url("tree")]);
    expect(up.status, up.stderr).toBe(0);
    expect(up.stderr).toContain(`uploaded 3 files, 16 bytes, to ${url("tree/")}`);
    expect(storedKeys(cloud, BUCKET, "tree/")).toEqual(["tree/a.txt", "tree/sub/b.json", "tree/sub/deeper/c.bin"]);
    expect(cloud.store.head(BUCKET, "tree/sub/b.json")?.contentType).toBe("application/json");

    const back = join(dir, "back");
    const down = await cos(["cp", "-r", url("tree/"), back]);
    expect(down.status, down.stderr).toBe(0);
    expect(await readFile(join(back, "sub/deeper/c.bin"))).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await readFile(join(back, "a.txt"), "utf8")).toBe("alpha");

    const copied = await cos(["cp", "-r", url("tree/"), url("copy/")]);
    expect(copied.status, copied.stderr).toBe(0);
    expect((await storedBytes(cloud, BUCKET, "copy/sub/b.json")).toString()).toBe('{"b":1}');
  });

  it("sync copies only what differs by size or CRC-64, both ways", async () => {
    const local = join(dir, "sync");
    await mkdir(local, { recursive: true });
    await writeFile(join(local, "same.txt"), "unchanged");
    await writeFile(join(local, "edited.txt"), "version 1");
    await writeFile(join(local, "grown.txt"), "short");
    const first = await cos(["sync", local, url("sync/")]);
    expect(first.stderr).toContain("synced: 3 copied, 0 unchanged (same size and CRC-64)");
    const before = cloud.requests.filter((e) => e.method === "PUT").length;
    await writeFile(join(local, "edited.txt"), "version 2"); // same size, other bytes: only the CRC-64 tells
    await writeFile(join(local, "grown.txt"), "much longer now");
    const second = await cos(["sync", local, url("sync/")]);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr).toContain("synced: 2 copied, 1 unchanged (same size and CRC-64)");
    expect(
      cloud.requests
        .filter((e) => e.method === "PUT")
        .map((e) => e.key)
        .slice(before),
    ).toEqual(["sync/edited.txt", "sync/grown.txt"]);
    expect((await storedBytes(cloud, BUCKET, "sync/edited.txt")).toString()).toBe("version 2");

    await seedObject(cloud, BUCKET, "sync/same.txt", "changed remotely");
    const down = await cos(["sync", url("sync/"), local]);
    expect(down.stderr).toContain("synced: 1 copied, 2 unchanged (same size and CRC-64)");
    expect(await readFile(join(local, "same.txt"), "utf8")).toBe("changed remotely");
  });

  it("rm -r deletes every object under a prefix and nothing else; du adds up sizes", async () => {
    for (let i = 0; i < 5; i++) await seedObject(cloud, BUCKET, `rmr/${i}.txt`, "12345");
    await seedObject(cloud, BUCKET, "rmr-kept.txt", "keep");
    const du = await cos(["du", url("rmr/")]);
    expect(du.stdout).toBe("STANDARD\t5 objects\t25 bytes\t25 B\ntotal\t5 objects\t25 bytes\t25 B\n");
    const result = await cos(["rm", "-r", url("rmr/")]);
    expect(result).toMatchObject({ status: 0, stderr: `deleted 5 objects under ${url("rmr/")}\n` });
    expect(storedKeys(cloud, BUCKET, "rmr")).toEqual(["rmr-kept.txt"]);
  });
});

describe("cosfn cos hash, signurl, mb, rb", { timeout: 60_000 }, () => {
  it("hash gives the CRC-64 and MD5 COS computes, for a file and for the object", async () => {
    const data = Buffer.from("hash me, as COS would");
    await writeFile(join(dir, "h.txt"), data);
    const local = await cos(["hash", join(dir, "h.txt")]);
    const md5 = createHash("md5").update(data).digest();
    const expected = `crc64-ecma: ${crc64(data)}\nmd5: ${md5.toString("hex")}\nbase64: ${md5.toString("base64")}\n`;
    expect(local).toMatchObject({ status: 0, stdout: expected });
    await cos(["cp", join(dir, "h.txt"), url("h.txt")]);
    expect(cloud.store.head(BUCKET, "h.txt")?.crc64).toBe(crc64(data));
    expect((await cos(["hash", url("h.txt")])).stdout).toBe(expected);
  });

  it("signurl signs a GET valid for --time seconds that the local cloud serves, and refuses when altered", async () => {
    await seedObject(cloud, BUCKET, "signed/a.txt", "signed body");
    const result = await cos(["signurl", url("signed/a.txt"), "--time", "600"]);
    expect(result.status, result.stderr).toBe(0);
    const signed = new URL(result.stdout.trim());
    expect(signed.host).toBe(`${BUCKET}.cos.ap-guangzhou.myqcloud.com`);
    const [start, end] = (signed.searchParams.get("q-sign-time") as string).split(";").map(Number);
    expect((end as number) - (start as number)).toBe(600);
    expect(result.stderr).toContain(`curl --connect-to ${signed.host}:80:`);
    expect(await get(signed)).toEqual({ status: 200, body: "signed body" });
    signed.searchParams.set("q-signature", "0".repeat(40));
    expect((await get(signed)).status).toBe(403);
  });

  it("keeps COS's region rules: a URL signed for another region's host is refused, and that host has no such bucket", async () => {
    await seedObject(cloud, BUCKET, "regions/a.txt", "guangzhou");
    const result = await cos(["signurl", url("regions/a.txt"), "--region", "ap-shanghai"]);
    const signed = new URL(result.stdout.trim());
    expect(signed.host).toBe(`${BUCKET}.cos.ap-shanghai.myqcloud.com`);
    const atShanghai = await get(signed);
    expect(atShanghai.status).toBe(404);
    expect(atShanghai.body).toContain("<Code>NoSuchBucket</Code>");
    const atGuangzhou = await get(signed, `${BUCKET}.cos.ap-guangzhou.myqcloud.com`);
    expect(atGuangzhou.status).toBe(403);
    expect(atGuangzhou.body).toContain("<Code>SignatureDoesNotMatch</Code>");
    const listed = await cos(["ls", url("regions/"), "--region", "ap-shanghai"]);
    expect(listed.status).toBe(1);
    expect(listed.stderr).toContain(`error: list ${url("regions/")}: NoSuchBucket`);
    const malformed = await cos(["ls", url("regions/"), "--region", "moon"]);
    expect(malformed).toMatchObject({ status: 2, stdout: "" });
    expect(malformed.stderr).toContain('--region "moon": not a COS region');
  });

  it("mb creates a bucket, rb deletes it; rb of a bucket with objects fails with COS's BucketNotEmpty", async () => {
    expect(await cos(["mb", "cos://made-1250000000"])).toMatchObject({ status: 0 });
    expect(cloud.store.listBuckets().map((b) => b.name)).toContain("made-1250000000");
    await seedObject(cloud, BUCKET.replace("examplebucket", "made"), "x.txt", "x");
    const refused = await cos(["rb", "cos://made-1250000000"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("error: delete bucket cos://made-1250000000: BucketNotEmpty");
    await cos(["rm", "cos://made-1250000000/x.txt"]);
    expect(await cos(["rb", "cos://made-1250000000"])).toMatchObject({ status: 0 });
    expect(cloud.store.listBuckets().map((b) => b.name)).not.toContain("made-1250000000");
  });
});

describe("cosfn cos messages and transfers", { timeout: 120_000 }, () => {
  it("names the object actually missing: a copy's source; rm of a missing key says so", async () => {
    const copy = await cos(["cp", url("nowhere.txt"), url("dst.txt")]);
    expect(copy).toMatchObject({
      status: 1,
      stderr: `error: copy ${url("nowhere.txt")} to ${url("dst.txt")}: the source ${url("nowhere.txt")} does not exist (NoSuchKey)\n`,
    });
    const removed = await cos(["rm", url("nowhere.txt")]);
    expect(removed).toMatchObject({
      status: 1,
      stderr: `error: rm ${url("nowhere.txt")}: no such object (nothing deleted)\n`,
    });
    expect(cloud.requests.filter((e) => e.method === "DELETE" && e.key === "nowhere.txt")).toEqual([]);
  });

  it("uploads a large file in parts sent in parallel, with no progress bar when piped", async () => {
    const data = Buffer.alloc(12 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
    await writeFile(join(dir, "large.bin"), data);
    cloud.requests.clear();
    const result = await cos(["cp", join(dir, "large.bin"), url("large.bin"), "--part-size", "1", "--thread-num", "4"]);
    expect(result).toMatchObject({
      status: 0,
      stderr: `uploaded ${data.length} bytes to ${url("large.bin")} in 12 parts\n`,
    });
    expect((await storedBytes(cloud, BUCKET, "large.bin")).equals(data)).toBe(true);
    const parts = cloud.requests.filter((e) => e.method === "PUT" && e.query.partNumber !== undefined);
    expect(parts).toHaveLength(12);
    // At least two parts were in flight at once: one arrived before another's response ended.
    const spans = parts.map((e) => [Date.parse(e.time), Date.parse(e.time) + e.durationMs] as const);
    expect(spans.some(([start], i) => spans.some(([s, end], j) => j !== i && s <= start && start < end))).toBe(true);
  });

  it("draws a progress bar on a terminal", async () => {
    await writeFile(join(dir, "tty.bin"), Buffer.alloc(3 * 1024 * 1024, 1));
    const output = await new Promise<string>((resolve, reject) => {
      const command = [process.execPath, bin, "cos", "cp", join(dir, "tty.bin"), url("tty.bin")].join(" ");
      const child = spawn("script", ["-qec", command, "/dev/null"], { env, stdio: ["ignore", "pipe", "pipe"] });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk));
      child.on("error", reject);
      child.on("close", () => resolve(text));
    });
    const erase = `\r${String.fromCharCode(27)}[K`;
    expect(output).toContain(`${erase}upload ${url("tty.bin")} [${"#".repeat(30)}] 100% 3.0 MiB / 3.0 MiB`);
    expect(output).toContain(`uploaded ${3 * 1024 * 1024} bytes to ${url("tty.bin")}`);
  });
});

function get(target: URL, host = target.host): Promise<{ status: number; body: string }> {
  const endpoint = new URL(cloud.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        path: `${target.pathname}${target.search}`,
        headers: { host },
      },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
