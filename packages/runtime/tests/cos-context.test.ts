import { cosEvent } from "@cosfn/events";
import { scfContext, seedObject, storedText, useTestCloud } from "@cosfn/testing";
import { describe, expect, it } from "vitest";
import { createHandler, type RecordContext } from "../src/index.ts";

// The base end to end: a handler built on @cosfn/runtime, its record context's COS client, the local cloud.
const BUCKET = "examplebucket-1250000000";
const test = useTestCloud({ buckets: [BUCKET] });

const event = (key: string) =>
  cosEvent({ eventName: "cos:ObjectCreated:Put", bucket: BUCKET, region: "ap-guangzhou", key, size: 5 });

describe("the record context's COS client", () => {
  it("marks every write (PUT and copy) with the function's writer marker, so its own trigger skips them", async () => {
    const clients = new Set<unknown>();
    const main = createHandler({
      name: "base-demo",
      config: () => ({}),
      processRecord: async (record, { cos }: RecordContext<unknown>) => {
        clients.add(cos);
        await cos.writeObject({ bucket: record.bucket, key: `out/${record.key}.txt`, body: "copy of a record" });
        await cos.copyObject(
          { bucket: record.bucket, key: record.key },
          { bucket: record.bucket, key: `out/${record.key}` },
        );
        return undefined;
      },
    });
    await seedObject(test.cloud, BUCKET, "in/a.txt", "hello", "text/plain");
    await seedObject(test.cloud, BUCKET, "in/b.txt", "world", "text/plain");
    expect(await main(event("in/a.txt"), scfContext())).toMatchObject({ processed: 1, failed: 0 });
    expect(await main(event("in/b.txt"), scfContext())).toMatchObject({ processed: 1, failed: 0 });

    for (const key of ["out/in/a.txt.txt", "out/in/a.txt", "out/in/b.txt"]) {
      expect(test.cloud.store.head(BUCKET, key)?.meta).toMatchObject({ "x-cos-meta-cosfn-function": "base-demo" });
    }
    expect(await storedText(test.cloud, BUCKET, "out/in/b.txt")).toBe("world");
    expect(test.cloud.store.head(BUCKET, "out/in/b.txt")?.contentType).toBe("text/plain");
    // One client for the warm instance, not one per record or invocation.
    expect(clients.size).toBe(1);

    // The event COS sends for the function's own output carries the marker: the runtime skips it.
    const own = cosEvent({
      eventName: "cos:ObjectCreated:Copy",
      bucket: BUCKET,
      region: "ap-guangzhou",
      key: "out/in/a.txt",
      userMetadata: { "cosfn-function": "base-demo" },
    });
    expect(await main(own, scfContext())).toMatchObject({ processed: 0, skipped: 1 });
  });
});
