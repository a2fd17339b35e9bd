import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadDevConfig } from "../src/dev-config.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "cosfn-dev-config-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm start's demo configuration (dev/demo.json)", () => {
  it("loads, with the buckets, delays and triggers that show every COS event type", () => {
    const config = loadDevConfig(join(root, "dev", "demo.json"), root);
    expect(config.buckets).toContainEqual(
      expect.objectContaining({
        name: "eventdemo-1250000000",
        versioning: "Enabled",
        origin: [expect.objectContaining({ prefix: "mirror/" })],
        replication: [expect.objectContaining({ destination: "qcs::cos:ap-shanghai::eventreplica-1250000000" })],
      }),
    );
    expect(config.buckets).toContainEqual({
      name: "eventreplica-1250000000",
      region: "ap-shanghai",
      versioning: "Enabled",
    });
    expect(config.restoreDelaysSeconds?.Expedited).toBeLessThanOrEqual(60);
    expect(config.replicationDelaySeconds).toBeGreaterThan(0);
    expect(config.triggers).toContainEqual(
      expect.objectContaining({
        bucket: "eventdemo-1250000000",
        events: ["cos:ObjectCreated:*", "cos:ObjectRemove:*", "cos:ObjectRestore:*"],
        function: "cdn-purge",
      }),
    );
    expect(config.seed).toContainEqual(
      expect.objectContaining({ bucket: "originsource-1250000000", key: "mirror/welcome.txt" }),
    );
  });

  it("names the file and the path of a bucket setup it cannot take, and of bad delays", () => {
    const file = join(scratch, "bad.json");
    const attempt = (config: unknown) => {
      writeFileSync(file, JSON.stringify(config));
      return () => loadDevConfig(file, root);
    };
    expect(attempt({ buckets: [{ name: "b-1250000000", versioning: "On" }] })).toThrow(
      `${file}: buckets[0].versioning: expected "Enabled" or "Suspended"`,
    );
    expect(attempt({ buckets: ["b-1250000000"], restoreDelaysSeconds: { Quick: 1 } })).toThrow(
      `${file}: restoreDelaysSeconds: expected seconds per tier`,
    );
    expect(attempt({ buckets: ["b-1250000000"], replicationDelaySeconds: "soon" })).toThrow(
      `${file}: replicationDelaySeconds: expected a number of seconds`,
    );
  });
});
