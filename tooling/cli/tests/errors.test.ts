import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LocalCloud, seedObject, startLocalCloud } from "@cosfn/local-cloud";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBin, runPipeline } from "./run-bin.ts";

const BUCKET = "examplebucket-1250000000";
let cloud: LocalCloud;
let dir: string;
/** The environment of a user who has exported nothing cosfn reads. */
const bare: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET] });
  dir = await mkdtemp(join(tmpdir(), "cosfn-cli-errors-"));
});
afterAll(async () => {
  await cloud.close();
  await rm(dir, { recursive: true, force: true });
});

const listen = (port = 0) =>
  new Promise<Server>((resolve) => {
    const server = createServer();
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as { port: number }).port;
/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = await listen();
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |node:internal/);

describe("errors a person can act on", { timeout: 60_000 }, () => {
  it("cosfn dev on a port in use names the port, --port and npm start -- --port N", async () => {
    const taken = await listen();
    try {
      const result = await runBin(["dev", "--port", String(portOf(taken))], { env: bare });
      expect(result.status).toBe(1);
      expect(result.stderr).toBe(
        `error: port ${portOf(taken)} is in use (another "cosfn dev"?): choose another with --port N (npm start -- --port N), or --port 0 for any free port\n`,
      );
    } finally {
      taken.close();
    }
  });

  it("cosfn dev --data naming a file says so", async () => {
    const file = join(dir, "not-a-folder");
    await writeFile(file, "x");
    const result = await runBin(["dev", "--port", "0", "--data", file], { env: bare });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: --data ${file}: is a file, not a folder; give a folder (created if missing) to keep the buckets in\n`,
    );
  });

  it("cosfn dev --data in a folder that cannot be created names it (Node's recursive mkdir never returns there)", async () => {
    const result = await runBin(["dev", "--port", "0", "--data", "/proc/nonexistent/data"], { env: bare });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "error: cannot create /proc/nonexistent: ENOENT: no such file or directory, mkdir '/proc/nonexistent'\n",
    );
  });

  it("cosfn dev refuses a malformed --region rather than creating buckets in it", async () => {
    const result = await runBin(["dev", "--port", "0", "--region", "moon", "--bucket", BUCKET], { env: bare });
    expect(result).toMatchObject({ status: 2, stdout: "" });
    expect(result.stderr).toBe(
      'cosfn dev: --region "moon": not a COS region (e.g. ap-guangzhou, or its code gz)\nRun "cosfn dev --help" for usage.\n',
    );
  });

  it("cosfn dev --config with overlapping trigger rules refuses them as COS does, and exits", async () => {
    const config = join(dir, "overlap.json");
    const rule = (events: string[], prefix: string, fn: string) => ({ bucket: BUCKET, events, prefix, function: fn });
    await writeFile(
      config,
      JSON.stringify({
        buckets: [BUCKET],
        triggers: [
          rule(["cos:ObjectCreated:*"], "in/", "auto-decompress"),
          rule(["cos:ObjectCreated:Put"], "in/sub/", "cdn-purge"),
        ],
      }),
    );
    const repo = join(import.meta.dirname, "../../..");
    const result = await runBin(["dev", "--port", "0", "--config", config, "--log", join(dir, "dev.log")], {
      env: bare,
      cwd: repo,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error: the trigger rule examplebucket-1250000000 [cos:ObjectCreated:Put] prefix "in/sub/" suffix "" of function cdn-purge overlaps the rule examplebucket-1250000000 [cos:ObjectCreated:*] prefix "in/" suffix "" of function auto-decompress: COS refuses overlapping rules on one bucket for different functions (same event type, and prefixes and suffixes that overlap or are empty)\n',
    );
  });

  it("a refused connection says to start cosfn dev", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const result = await runBin(["cos", "ls", `cos://${BUCKET}`], { env: { ...bare, COSFN_COS_ENDPOINT: endpoint } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`error: list cos://${BUCKET}/: ECONNREFUSED`);
    expect(result.stderr).toContain(
      `nothing answers at COSFN_COS_ENDPOINT=${endpoint}: start the local cloud with "cosfn dev"`,
    );
    noStack(result.stderr);
  });

  it("no endpoint and no credentials names COSFN_COS_ENDPOINT and the credential variables", async () => {
    const result = await runBin(["cos", "ls", `cos://${BUCKET}`], { env: bare });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: no COS endpoint and no credentials: .*COSFN_COS_ENDPOINT.*\n$/);
    expect(result.stderr).toContain("TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY");
  });

  it("a missing event file is named, without a stack", async () => {
    const result = await runBin(["parse", join(dir, "missing.json")], { env: bare });
    expect(result).toMatchObject({ status: 1, stderr: `error: ${join(dir, "missing.json")}: cannot read (ENOENT)\n` });
  });
});

describe("a closed pipe", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    await seedObject(cloud, BUCKET, "pipe/big.bin", Buffer.alloc(4 * 1024 * 1024, 7));
    for (let i = 0; i < 2000; i++) await seedObject(cloud, BUCKET, `pipe/many/${String(i).padStart(4, "0")}.txt`, "x");
  });

  it("cos cat ... | head -c 10 ends quietly with SIGPIPE's status, 141", async () => {
    const result = await runPipeline(["cos", "cat", `cos://${BUCKET}/pipe/big.bin`], "head -c 10", {
      ...bare,
      COSFN_COS_ENDPOINT: cloud.endpoint,
    });
    expect(result.stdout).toBe("\x07".repeat(10));
    expect(result.statuses).toEqual([141, 0]);
    expect(result.stderr).toBe("");
  });

  it("cos ls | head -1 ends quietly with SIGPIPE's status, 141", async () => {
    const result = await runPipeline(["cos", "ls", `cos://${BUCKET}/pipe/many/`], "head -1", {
      ...bare,
      COSFN_COS_ENDPOINT: cloud.endpoint,
    });
    expect(result.stdout).toMatch(/^.*pipe\/many\/0000\.txt.*\n$/);
    expect(result.statuses).toEqual([141, 0]);
    expect(result.stderr).toBe("");
  });
});
