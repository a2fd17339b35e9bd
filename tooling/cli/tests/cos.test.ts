import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LocalCloud, startLocalCloud } from "@cosfn/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.ts";

const BUCKET = "examplebucket-1250000000";
const bin = fileURLToPath(new URL("../bin/cosfn.js", import.meta.url));
const repo = fileURLToPath(new URL("../../../", import.meta.url));
let cloud: LocalCloud;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  const [credentials] = cloud.credentials;
  env = {
    COSFN_COS_ENDPOINT: cloud.endpoint,
    TENCENTCLOUD_SECRETID: credentials?.secretId,
    TENCENTCLOUD_SECRETKEY: credentials?.secretKey,
  };
  dir = await mkdtemp(join(tmpdir(), "cosfn-cli-cos-"));
});
afterAll(async () => {
  await cloud.close();
  await rm(dir, { recursive: true, force: true });
});

const cos = (args: string[], stdin: string | Buffer = "", withEnv = env) => runCli(["cos", ...args], stdin, withEnv);
const stored = async (key: string) => {
  const chunks: Buffer[] = [];
  for await (const chunk of cloud.store.read(BUCKET, key).stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};
const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");

describe("cosfn cos", () => {
  it("cp uploads a file byte for byte, with a Content-Type from its name", async () => {
    const data = Buffer.alloc(9 * 1024 * 1024 + 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
    await writeFile(join(dir, "photo.png"), data);
    const result = await cos(["cp", join(dir, "photo.png"), `cos://${BUCKET}/a/测试.png`]);
    expect(result).toMatchObject({
      status: 0,
      stderr: `uploaded ${data.length} bytes to cos://${BUCKET}/a/测试.png in 2 parts\n`,
    });
    expect(md5(await stored("a/测试.png"))).toBe(md5(data));
    expect(cloud.store.head(BUCKET, "a/测试.png")?.contentType).toBe("image/png");
  });

  it("ls prints key, size, ETag and last-modified", async () => {
    await cos(["cp", "-", `cos://${BUCKET}/ls/one.txt`], "one");
    const { status, stdout } = await cos(["ls", `cos://${BUCKET}/ls/`]);
    expect(status).toBe(0);
    const [key, size, etag, modified] = stdout.trimEnd().split("\t");
    expect([key, size, etag]).toEqual(["ls/one.txt", "3", md5(Buffer.from("one"))]);
    expect(Date.parse(modified as string)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("cat and cp to - and to a file read the object back exactly", async () => {
    const data = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i & 0xff));
    await cos(["cp", "-", `cos://${BUCKET}/b.bin`], data);
    expect(md5((await cos(["cat", `cos://${BUCKET}/b.bin`])).stdoutBytes)).toBe(md5(data));
    expect(md5((await cos(["cp", `cos://${BUCKET}/b.bin`, "-"])).stdoutBytes)).toBe(md5(data));
    await cos(["cp", `cos://${BUCKET}/b.bin`, join(dir, "b.bin")]);
    expect(md5(await readFile(join(dir, "b.bin")))).toBe(md5(data));
  });

  it("cp to a file in a folder that cannot be created names the folder and exits 1", async () => {
    await cos(["cp", "-", `cos://${BUCKET}/here.txt`], "x");
    const result = await cos(["cp", `cos://${BUCKET}/here.txt`, "/proc/nonexistent/here.txt"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("cannot create /proc/nonexistent:");
  });

  it("cp copies between cos:// URLs and fills in a name for a DST ending in /", async () => {
    await cos(["cp", "-", `cos://${BUCKET}/src/c.txt`], "copy me");
    expect((await cos(["cp", `cos://${BUCKET}/src/c.txt`, `cos://${BUCKET}/dst/`])).status).toBe(0);
    expect((await stored("dst/c.txt")).toString()).toBe("copy me");
  });

  it("rm deletes; a missing object fails with COS's code and leaves no partial file", async () => {
    await cos(["cp", "-", `cos://${BUCKET}/gone.txt`], "x");
    expect(await cos(["rm", `cos://${BUCKET}/gone.txt`])).toMatchObject({
      status: 0,
      stderr: `deleted cos://${BUCKET}/gone.txt\n`,
    });
    expect(cloud.store.head(BUCKET, "gone.txt")).toBeUndefined();
    const missing = await cos(["cp", `cos://${BUCKET}/gone.txt`, join(dir, "gone.txt")]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`error: get cos://${BUCKET}/gone.txt: NoSuchKey: the specified key does not exist\n`);
    await expect(readFile(join(dir, "gone.txt"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("fails with SignatureDoesNotMatch for a wrong TENCENTCLOUD_SECRETKEY", async () => {
    await writeFile(join(dir, "w.txt"), "w");
    const wrong = await cos(["cp", join(dir, "w.txt"), `cos://${BUCKET}/w.txt`], "", {
      ...env,
      TENCENTCLOUD_SECRETKEY: "wrong",
    });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("SignatureDoesNotMatch");
    expect(cloud.store.head(BUCKET, "w.txt")).toBeUndefined();
  });

  it("explains usage mistakes", async () => {
    expect((await cos(["ls", "examplebucket"])).stderr).toContain("expected cos://<bucket>");
    expect((await cos(["ls", "cos://nobucket"])).stderr).toContain('expected "<name>-<appid>"');
    expect((await cos(["cp", "a", "b"])).stderr).toContain("one of SRC and DST must be a cos:// URL");
    expect((await cos(["mv", "a", "b"])).stderr).toContain('unknown verb "mv"');
    const half = await cos(["ls", `cos://${BUCKET}`], "", {
      COSFN_COS_ENDPOINT: cloud.endpoint,
      TENCENTCLOUD_SECRETID: "x",
    });
    expect(half).toMatchObject({ status: 1 });
    expect(half.stderr).toContain("TENCENTCLOUD_SECRETKEY");
  });
});

describe("cosfn dev", () => {
  it("prints its endpoint and credentials, keeps --data across restarts, and stops on Ctrl-C", async () => {
    const data = join(dir, "dev-data");
    const started = await startDev(["--port", "0", "--data", data, "--bucket", BUCKET]);
    expect(started.output()).toContain("SecretId:   AKIDcosfnLocalCloudDefaultId00000000");
    expect(started.output()).toContain(`buckets:    ${BUCKET} (ap-guangzhou)`);
    const devEnv = { COSFN_COS_ENDPOINT: started.endpoint };
    expect((await cos(["cp", "-", `cos://${BUCKET}/kept.txt`], "kept", devEnv)).status).toBe(0);
    expect(await started.stop()).toMatchObject({ code: 0 });
    expect(started.output()).toContain("stopped");

    const again = await startDev(["--port", "0", "--data", data]);
    expect((await cos(["cat", `cos://${BUCKET}/kept.txt`], "", { COSFN_COS_ENDPOINT: again.endpoint })).stdout).toBe(
      "kept",
    );
    expect(await again.stop()).toMatchObject({ code: 0 });
  }, 60_000);

  it("runs auto-decompress against it: invoke with the event of an uploaded zip writes the entries under extracted/ and prints the summary", async () => {
    const started = await startDev(["--port", "0", "--bucket", BUCKET]);
    try {
      const devEnv = { COSFN_COS_ENDPOINT: started.endpoint };
      const archive = join(repo, "test-fixtures/archives/data-descriptor.zip");
      expect((await cos(["cp", archive, `cos://${BUCKET}/uploads/sample.zip`], "", devEnv)).status).toBe(0);
      const event = join(repo, "test-fixtures/events/object-created-put/archive.json");
      const result = await runCli(["invoke", join(repo, "functions/auto-decompress"), "--event", event], "", devEnv);
      expect(result.status, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        function: "auto-decompress",
        processed: 1,
        failed: 0,
        records: [
          {
            key: "uploads/sample.zip",
            outcome: "done",
            detail: { prefix: "extracted/uploads/sample.zip/", written: 2, failed: 0 },
          },
        ],
      });
      const listed = await cos(["ls", `cos://${BUCKET}/extracted/uploads/sample.zip/`], "", devEnv);
      expect(
        listed.stdout
          .split("\n")
          .filter(Boolean)
          .map((line) => line.split("\t")[0]),
      ).toEqual([
        expect.stringMatching(/^extracted\/uploads\/sample\.zip\/\.cosfn-manifest-[0-9a-f]{16}\.json$/),
        "extracted/uploads/sample.zip/streamed-1.txt",
        "extracted/uploads/sample.zip/streamed-2.txt",
      ]);
      const entry = await cos(["cat", `cos://${BUCKET}/extracted/uploads/sample.zip/streamed-1.txt`], "", devEnv);
      expect(entry.stdout).toBe("written by a streaming zipper");
    } finally {
      await started.stop();
    }
  }, 60_000);
});

describe("cosfn invoke cdn-purge", () => {
  it("purges the uploaded object's URL: the local cloud records the PurgeUrlsCache call", async () => {
    cloud.cloudApi.reset();
    const event = join(repo, "test-fixtures/events/object-created-put/basic.json");
    const result = await runCli(
      [
        "invoke",
        "cdn-purge",
        "--event",
        event,
        "--env",
        "PURGE_MODE=direct",
        "--env",
        "CDN_DOMAINS=https://static.example.com",
      ],
      "",
      { ...env, COSFN_CLOUD_API_ENDPOINT: cloud.endpoint },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      function: "cdn-purge",
      processed: 1,
      records: [{ key: "photos/2026/cat-2.jpg", outcome: "done", detail: { purged: 1 } }],
    });
    const purges = cloud.cloudApi.calls.filter((call) => call.action === "PurgeUrlsCache");
    expect(purges.map((call) => [call.service, call.error, call.params])).toEqual([
      [
        "cdn",
        undefined,
        { Urls: ["https://static.example.com/photos/2026/cat-2.jpg"], Area: "mainland", UrlEncode: false },
      ],
    ]);
  }, 60_000);
});

async function startDev(args: string[]) {
  const child = spawn(process.execPath, [bin, "dev", ...args], {
    env: { ...process.env, TENCENTCLOUD_SECRETID: "", TENCENTCLOUD_SECRETKEY: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cosfn dev did not start:\n${output}`)), 30_000);
    child.stdout.on("data", () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && output.includes("Ctrl-C")) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once("exit", () => reject(new Error(`cosfn dev exited:\n${output}`)));
  });
  return {
    endpoint,
    output: () => output,
    stop: () =>
      new Promise<{ code: number | null }>((resolve) => {
        child.once("exit", (code) => resolve({ code }));
        child.kill("SIGINT");
      }),
  } as const;
}
