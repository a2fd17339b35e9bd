import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { REGION, rawRequest, recordEvents, rejection, sdkFor } from "./sdk.ts";

const DESTINATION_REGION = "ap-shanghai";
let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let count = 0;
const sourceEvents: unknown[] = [];
const destinationEvents: unknown[] = [];

beforeAll(async () => {
  // Long enough that the HEADs made before the copy (PENDING, not yet at the destination) finish first, even under load.
  cloud = await startLocalCloud({ triggers: { retryDelaysMs: [] }, replicationDelayMs: 300 });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
beforeEach(() => {
  cloud.triggers.clear();
  sourceEvents.length = 0;
  destinationEvents.length = 0;
});

/** A versioned source bucket in ap-guangzhou replicating `prefix` to a versioned bucket in ap-shanghai. */
async function pair(prefix = "") {
  count++;
  const source = { Bucket: `replsrc${count}-1250000000`, Region: REGION };
  const destination = { Bucket: `repldst${count}-1250000000`, Region: DESTINATION_REGION };
  for (const at of [source, destination]) {
    await cos.putBucket(at);
    await cos.putBucketVersioning({ ...at, VersioningConfiguration: { Status: "Enabled" } });
  }
  recordEvents(cloud, source.Bucket, sourceEvents);
  recordEvents(cloud, destination.Bucket, destinationEvents);
  // Doc 436/19223: Role, and a Rule with Status, ID, Prefix and Destination/Bucket qcs::cos:<region>::<bucket>.
  await cos.putBucketReplication({
    ...source,
    ReplicationConfiguration: {
      Role: "qcs::cam::uin/100000000001:uin/100000000001",
      Rules: [
        {
          ID: "to-shanghai",
          Status: "Enabled",
          Prefix: prefix,
          Destination: { Bucket: `qcs::cos:${DESTINATION_REGION}::${destination.Bucket}` },
        },
      ],
    },
  });
  return { source, destination };
}

const parsed = (events: unknown[]) => events.flatMap((event) => parseCosEvent(event));

describe("cross-region replication (PUT/GET/DELETE Bucket replication, doc 436/19223)", () => {
  it("replicates a write asynchronously: PENDING then COMPLETED at the source, REPLICA at the destination, which emits cos:ObjectCreated:Replication", async () => {
    const { source, destination } = await pair("docs/");
    const put = await cos.putObject({ ...source, Key: "docs/a.txt", Body: "replicate me" });
    // The overview (doc 436/19235) and HEAD Object (doc 436/7745): x-cos-replication-status is PENDING until the
    // copy is made, COMPLETED after; the replica says REPLICA.
    const pending = await cos.headObject({ ...source, Key: "docs/a.txt" });
    expect(pending.headers?.["x-cos-replication-status"]).toBe("PENDING");
    expect((await rejection(cos.headObject({ ...destination, Key: "docs/a.txt" }))).statusCode).toBe(404);

    await cloud.replication.idle();
    await cloud.triggers.idle();
    const completed = await cos.headObject({ ...source, Key: "docs/a.txt" });
    expect(completed.headers?.["x-cos-replication-status"]).toBe("COMPLETED");
    const replica = await cos.getObject({ ...destination, Key: "docs/a.txt" });
    expect(replica.Body.toString()).toBe("replicate me");
    expect(replica.headers?.["x-cos-replication-status"]).toBe("REPLICA");
    expect(replica.headers?.etag).toBe(put.ETag);

    const [record, ...others] = parsed(destinationEvents);
    expect(others).toEqual([]);
    expect(record).toMatchObject({
      eventName: "cos:ObjectCreated:Replication",
      kind: "created",
      bucket: destination.Bucket,
      region: DESTINATION_REGION,
      key: "docs/a.txt",
      size: 12,
      storageClass: "STANDARD",
    });
    expect(record?.versionId).toBe(replica.headers?.["x-cos-version-id"]);
    expect(parsed(sourceEvents).map((r) => r.eventName)).toEqual(["cos:ObjectCreated:Put"]);

    // Outside the rule's prefix nothing is replicated nor marked.
    await cos.putObject({ ...source, Key: "other.txt", Body: "stay" });
    expect(
      (await cos.headObject({ ...source, Key: "other.txt" })).headers?.["x-cos-replication-status"],
    ).toBeUndefined();
    await cloud.replication.idle();
    expect((await rejection(cos.headObject({ ...destination, Key: "other.txt" }))).statusCode).toBe(404);
  });

  it("replicates a delete as a delete marker at the destination, which emits cos:ObjectRemove:DeleteMarkerCreated", async () => {
    const { source, destination } = await pair();
    await cos.putObject({ ...source, Key: "gone.txt", Body: "x" });
    await cloud.replication.idle();
    await cos.deleteObject({ ...source, Key: "gone.txt" });
    await cloud.replication.idle();
    await cloud.triggers.idle();
    const deleted = await rejection(cos.headObject({ ...destination, Key: "gone.txt" }));
    expect(deleted.statusCode).toBe(404);
    expect(deleted.headers?.["x-cos-delete-marker"]).toBe("true");
    expect(parsed(destinationEvents).map((r) => r.eventName)).toEqual([
      "cos:ObjectCreated:Replication",
      "cos:ObjectRemove:DeleteMarkerCreated",
    ]);
  });

  it("needs versioning Enabled on the source and an existing versioned destination, answers the rule on GET and removes it on DELETE", async () => {
    count++;
    const source = { Bucket: `replsrc${count}-1250000000`, Region: REGION };
    const destination = { Bucket: `repldst${count}-1250000000`, Region: DESTINATION_REGION };
    await cos.putBucket(source);
    await cos.putBucket(destination);
    const body = (bucket: string) =>
      `<ReplicationConfiguration><Role>qcs::cam::uin/1:uin/1</Role><Rule><ID>r</ID><Status>Enabled</Status><Prefix></Prefix><Destination><Bucket>${bucket}</Bucket></Destination></Rule></ReplicationConfiguration>`;
    const put = (bucket: string) =>
      rawRequest(cloud, { method: "PUT", bucket: source.Bucket, query: [["replication", ""]], body: body(bucket) });
    const qcs = `qcs::cos:${DESTINATION_REGION}::${destination.Bucket}`;
    // Doc 436/19223: "make sure that the bucket has versioning enabled".
    expect((await put(qcs)).body).toContain("<Code>InvalidRequest</Code>");
    await cos.putBucketVersioning({ ...source, VersioningConfiguration: { Status: "Enabled" } });
    expect((await put(qcs)).body).toContain("<Code>InvalidArgument</Code>"); // destination not versioned
    await cos.putBucketVersioning({ ...destination, VersioningConfiguration: { Status: "Enabled" } });
    expect((await put(`qcs::cos:ap-beijing::${destination.Bucket}`)).body).toContain("<Code>InvalidArgument</Code>");
    expect((await put("examplebucket")).body).toContain("<Code>InvalidArgument</Code>");
    expect((await put(qcs)).status).toBe(200);

    cloud.requests.clear();
    const got = await cos.getBucketReplication(source);
    expect(got.ReplicationConfiguration).toMatchObject({
      Role: "qcs::cam::uin/1:uin/1",
      Rules: [{ ID: "r", Status: "Enabled", Prefix: "", Destination: { Bucket: qcs } }],
    });
    await cos.deleteBucketReplication(source);
    // The SDK turns COS's 404 ReplicationConfigurationnotFoundError into an empty rule list.
    expect((await cos.getBucketReplication(source)).ReplicationConfiguration).toEqual({ Rules: [] });
    // CAM action list (doc 436/31923): cos:GetBucketReplication, cos:DeleteBucketReplication.
    expect(cloud.requests.entries.slice(0, 2).map((entry) => entry.needs.map((need) => need.action))).toEqual([
      ["name/cos:GetBucketReplication"],
      ["name/cos:DeleteBucketReplication"],
    ]);
  });
});
