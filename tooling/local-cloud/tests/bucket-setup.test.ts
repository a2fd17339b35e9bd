import { afterAll, describe, expect, it } from "vitest";
import { BucketSetupError, checkBucketSetup, type LocalCloud, startLocalCloud } from "../src/index.ts";

const clouds: LocalCloud[] = [];
afterAll(() => Promise.all(clouds.map((cloud) => cloud.close())));

describe("bucket setups (startLocalCloud's buckets, cosfn dev's config)", () => {
  it("creates each bucket in its region with its ACL, versioning, origin and replication rules", async () => {
    const cloud = await startLocalCloud({
      buckets: [
        "plain-1250000000",
        {
          name: "source-1250000000",
          versioning: "Enabled",
          origin: [{ prefix: "m/", host: "origin.invalid:8080" }],
          replication: [
            { prefix: "r/", destination: "qcs::cos:ap-shanghai::replica-1250000000", deleteMarkers: false },
          ],
        },
        { name: "replica-1250000000", region: "ap-shanghai", versioning: "Enabled", acl: "public-read" },
      ],
    });
    clouds.push(cloud);
    expect(cloud.store.getBucket("plain-1250000000")).toMatchObject({ region: "ap-guangzhou" });
    expect(cloud.store.getBucket("plain-1250000000")?.versioning).toBeUndefined();
    expect(cloud.store.getBucket("source-1250000000")).toMatchObject({
      versioning: "Enabled",
      origin: [{ priority: 1, type: "Mirror", prefix: "m/", hostName: "origin.invalid:8080", protocol: "HTTP" }],
      replication: {
        rules: [{ id: "rule-1", status: "Enabled", prefix: "r/", bucket: "replica-1250000000", deleteMarkers: false }],
      },
    });
    expect(cloud.store.getBucket("replica-1250000000")).toMatchObject({ region: "ap-shanghai", acl: "public-read" });
  });

  it("names the entry and field of a setup it cannot take", async () => {
    const cases: [unknown, string][] = [
      ["Not_A_Bucket", "buckets[0]"],
      [{ name: "b-1250000000", versioning: "On" }, 'buckets[0].versioning: expected "Enabled" or "Suspended"'],
      [{ name: "b-1250000000", region: "mars-1" }, "buckets[0].region: expected a COS region"],
      [{ name: "b-1250000000", origin: [{ prefix: "m/" }] }, "buckets[0].origin[0]: expected"],
      [{ name: "b-1250000000", colour: "red" }, "buckets[0].colour: expected one of name"],
      [
        { name: "b-1250000000", versioning: "Enabled", replication: [{ destination: "replica" }] },
        "buckets[0].replication[0].destination",
      ],
      [
        { name: "b-1250000000", replication: [{ destination: "qcs::cos:ap-shanghai::r-1250000000" }] },
        "replication needs versioning",
      ],
    ];
    for (const [entry, message] of cases) {
      expect(() => checkBucketSetup(entry, "buckets[0]")).toThrow(BucketSetupError);
      expect(() => checkBucketSetup(entry, "buckets[0]")).toThrow(message);
    }
    // A destination that is not a versioned bucket of this cloud in that region.
    await expect(
      startLocalCloud({
        buckets: [
          {
            name: "s-1250000000",
            versioning: "Enabled",
            replication: [{ destination: "qcs::cos:ap-shanghai::r-1250000000" }],
          },
          { name: "r-1250000000", region: "ap-beijing", versioning: "Enabled" },
        ],
      }),
    ).rejects.toThrow("s-1250000000.replication[0].destination: qcs::cos:ap-shanghai::r-1250000000 must be");
  });

  it("refuses a region that is not a COS region name before creating anything", async () => {
    for (const region of ["moon", "gz", "AP-GUANGZHOU", ""]) {
      await expect(startLocalCloud({ region, buckets: ["x-1250000000"] })).rejects.toMatchObject({
        name: "BucketSetupError",
        message: expect.stringContaining(`region ${JSON.stringify(region)}: not a COS region name`),
      });
    }
  });
});
