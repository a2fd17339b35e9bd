import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { camCoverage, EXAMPLE_BUCKET, invokeHandler, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { badInputs } from "./bad-inputs.ts";
import { loadImageRecognition, photo, recordedCiAnswers, uploadImage } from "./support.ts";

const policy = fileURLToPath(new URL("../cam-policy.json", import.meta.url));
const test = useTestCloud({ cloudInfinite: { responsesDir: recordedCiAnswers } });
const RESOURCE = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000/";
// Cloud Infinite's resource form (docs 460/41741, 598/98114): service ci, resource type bucket.
const CI_RESOURCE = "qcs::ci:ap-guangzhou:uid/1250000000:bucket/examplebucket-1250000000/";

describe("cam-policy.json", () => {
  it("grants every action on every resource the function used as shipped, and nothing it never used", async () => {
    test.cloud.requests.clear();
    const main = await loadImageRecognition();
    const inputs = await badInputs();
    // A photo as it is, one pre-fitted (EXIF orientation), one blocked (review and tags: test-fixtures'
    // images%2Fblocked.jpg answer), one rejected (its sidecar), and a duplicate event (the sidecar's HEAD).
    const uploads: [string, Buffer][] = [
      ["images/coffee.jpg", photo("food-coffee.jpg")],
      ["images/sideways.jpg", photo("person-astronaut-orientation-6.jpg")],
      ["images/blocked.jpg", photo("person-grace-hopper.jpg")],
      ["images/truncated.png", inputs.truncatedPng as Buffer],
    ];
    for (const [key, bytes] of uploads) {
      const event = await uploadImage(test, key, bytes);
      await invokeHandler(main, event);
      const again = await invokeHandler(main, event);
      expect(again.records[0]?.outcome, key).toBe("skipped");
    }
    expect(test.cloud.requests.entries.some((e) => e.action === "name/cos:PutObjectTagging")).toBe(true);
    expect(test.cloud.requests.entries.some((e) => e.key?.startsWith(".cosfn/image-recognition/review/"))).toBe(true);
    expect(camCoverage(policy, test.cloud.requests.entries)).toEqual({ missing: [], unused: [] });
  }, 60_000);

  it("grants the ci: actions on Cloud Infinite's resource, which a grant on the objects' COS resource does not cover", async () => {
    test.cloud.requests.clear();
    const main = await loadImageRecognition();
    await invokeHandler(main, await uploadImage(test, "images/ci-resource.jpg", photo("food-coffee.jpg")));
    const ciNeeds = test.cloud.requests.entries.flatMap((e) => e.needs).filter((n) => n.action.startsWith("ci:"));
    expect(ciNeeds.map((n) => [n.action, n.resource])).toEqual([
      ["ci:CreateDetectLabelJob", `${CI_RESOURCE}images/ci-resource.jpg`],
      ["ci:CreateAuditingPictureJob", `${CI_RESOURCE}images/ci-resource.jpg`],
    ]);
    // The same policy with the ci: statement on the objects' COS resource (the form CI's docs do not give).
    const shipped = JSON.parse(readFileSync(policy, "utf8"));
    const cosForm = {
      ...shipped,
      statement: shipped.statement.map((s: { action: string[] }) =>
        s.action.some((a) => a.startsWith("ci:")) ? { ...s, resource: [`${RESOURCE}images/*`] } : s,
      ),
    };
    expect(camCoverage(policy, test.cloud.requests.entries).missing).toEqual([]);
    const { missing } = camCoverage(cosForm, test.cloud.requests.entries);
    expect(missing.map((n) => [n.action, n.resource])).toEqual(ciNeeds.map((n) => [n.action, n.resource]));
  });

  it("needs exactly the documented additions for private, move and delete", async () => {
    test.cloud.requests.clear();
    for (const [rule, key] of [
      ["private", "images/blocked.jpg"],
      ["move", "images/blocked.jpg"],
      ["delete", "images/blocked.jpg"],
    ] as const) {
      // The same bytes have the same ETag: without its sidecar, the object is judged again.
      await test.cloud.store.delete(EXAMPLE_BUCKET, `.cosfn/image-recognition/results/${key}.json`);
      const main = await loadImageRecognition({ MODERATION_RULES: `porn>=91:${rule}` });
      const summary = await invokeHandler(main, await uploadImage(test, key, photo("person-grace-hopper.jpg")));
      expect(summary.records[0], JSON.stringify(summary)).toMatchObject({ outcome: "done", detail: { action: rule } });
    }
    const { missing } = camCoverage(policy, test.cloud.requests.entries);
    expect(missing.map((need) => [need.action, need.resource])).toEqual(
      expect.arrayContaining([
        ["name/cos:PutObjectACL", `${RESOURCE}images/blocked.jpg`],
        ["name/cos:PutObject", `${RESOURCE}.cosfn/image-recognition/quarantine/images/blocked.jpg`],
        ["name/cos:DeleteObject", `${RESOURCE}images/blocked.jpg`],
      ]),
    );
    expect(missing).toHaveLength(3);
  }, 60_000);
});
