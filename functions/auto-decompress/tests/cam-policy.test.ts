import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cosEvent } from "@cosfn/events";
import { camCoverage, scfContext, seedObject, type TestCloud } from "@cosfn/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { writeZip } from "../scripts/zip-writer.ts";
import { main_handler } from "../src/index.ts";
import { BUCKET, useTestCloud } from "./cloud.ts";
import { text } from "./zip-edits.ts";

const corpus = fileURLToPath(new URL("../../../test-fixtures/archives/", import.meta.url));
const policy = fileURLToPath(new URL("../cam-policy.json", import.meta.url));
let test: TestCloud;
useTestCloud((started) => {
  test = started;
});

/** Uploads an archive straight into the store (no request of the test's own is logged) and runs the handler. */
async function extract(key: string, bytes: Buffer): Promise<unknown> {
  await seedObject(test.cloud, BUCKET, key, bytes);
  const event = cosEvent({
    eventName: "cos:ObjectCreated:Put",
    bucket: BUCKET,
    region: "ap-guangzhou",
    key,
    size: bytes.length,
  });
  return main_handler(event, scfContext({ time_limit_in_ms: 120_000, memory_limit_in_mb: 512 })).catch(
    (error: { summary?: unknown }) => error.summary,
  );
}

/** A zip whose stored entry's bytes were changed after its CRC-32 was written: found corrupt, never written. */
function corruptZip(): Buffer {
  const data = Buffer.from("the quick brown fox jumps over the lazy dog");
  const zip = writeZip([
    { name: "corrupt.txt", data, method: 0 },
    { name: "fine.txt", data: Buffer.from("fine") },
  ]);
  const at = zip.indexOf(data);
  zip[at] = (zip[at] as number) ^ 0xff;
  return zip;
}

describe("cam-policy.json", () => {
  beforeAll(async () => {
    test.cloud.requests.clear();
    // Every kind of request the function makes: a zip through range reads, a resumed run (HEADs of what exists),
    // a tar.gz and a gzip streamed, an entry large enough for a multipart upload, an upload that keeps failing
    // (aborted), and an entry found corrupt (checked before its PUT: nothing is ever deleted).
    await extract("uploads/sample.zip", readFileSync(`${corpus}data-descriptor.zip`));
    await extract("uploads/sample.zip", readFileSync(`${corpus}data-descriptor.zip`));
    await extract("uploads/sample.tgz", readFileSync(`${corpus}sample.tgz`));
    await extract("uploads/single.txt.gz", readFileSync(`${corpus}single.txt.gz`));
    await extract("uploads/large.zip", writeZip([{ name: "large.bin", data: text(9 * 1024 * 1024, 5) }]));
    test.cloud.faults.add({ fault: { kind: "unavailable" }, method: "PUT", pattern: /uploadId=/ });
    await extract("uploads/failing.zip", writeZip([{ name: "large.bin", data: text(9 * 1024 * 1024, 6) }]));
    test.cloud.faults.clear();
    await extract("uploads/corrupt.zip", corruptZip());
  }, 120_000);

  it("ran every kind of request the function makes", () => {
    const actions = new Set(test.cloud.requests.entries.flatMap((entry) => entry.needs.map((need) => need.action)));
    expect([...actions].sort()).toEqual([
      "name/cos:AbortMultipartUpload",
      "name/cos:CompleteMultipartUpload",
      "name/cos:GetBucket",
      "name/cos:GetObject",
      "name/cos:HeadObject",
      "name/cos:InitiateMultipartUpload",
      "name/cos:PutObject",
      "name/cos:UploadPart",
    ]);
  });

  it("grants every action on every resource the function used, and nothing it never used", () => {
    expect(camCoverage(policy, test.cloud.requests.entries)).toEqual({ missing: [], unused: [] });
  });
});
