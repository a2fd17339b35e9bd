import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseCosEvent } from "@cosfn/events";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LocalCloud, startLocalCloud } from "../src/index.ts";
import { REGION, rawRequest, recordEvents, rejection, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;
let origin: Server;
let originHost: string;
let bucketCount = 0;
const events: unknown[] = [];
/** The paths the origin was asked for. */
const asked: string[] = [];

beforeAll(async () => {
  cloud = await startLocalCloud({ triggers: { retryDelaysMs: [] } });
  cos = sdkFor(cloud);
  origin = createServer((req, res) => {
    asked.push(req.url ?? "");
    if (req.url?.startsWith("/mirror/photo.png")) {
      res.writeHead(200, { "Content-Type": "image/png", "Cache-Control": "max-age=60" });
      res.end("PNG bytes from the origin");
    } else if (req.url?.startsWith("/mirror/plain")) {
      res.end("no type");
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
  originHost = `127.0.0.1:${(origin.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await cloud.close();
  await new Promise((resolve) => origin.close(resolve));
});
beforeEach(() => {
  cloud.triggers.clear();
  events.length = 0;
  asked.length = 0;
});

/** A new bucket with a function bound to every event of it and a Mirror rule for `mirror/` at the origin. */
async function mirroredBucket(): Promise<{ Bucket: string; Region: string }> {
  const at = { Bucket: `origin${++bucketCount}-1250000000`, Region: REGION };
  await cos.putBucket(at);
  recordEvents(cloud, at.Bucket, events);
  // Doc 436/52813: OriginRule (RulePriority, OriginType Mirror, OriginCondition HTTPStatusCode 404 and Prefix,
  // OriginParameter Protocol, OriginInfo HostInfo HostName).
  await cos.putBucketOrigin({
    ...at,
    OriginRule: [
      {
        RulePriority: 1,
        OriginType: "Mirror",
        OriginCondition: { HTTPStatusCode: "404", Prefix: "mirror/" },
        OriginParameter: { Protocol: "HTTP", FollowQueryString: "true" },
        OriginInfo: { HostInfo: { HostName: originHost } },
      },
    ],
  } as never);
  return at;
}

describe("origin pull (PUT/GET/DELETE Bucket origin, docs 436/52813-52815)", () => {
  it("a GET of a missing key under the rule's prefix fetches it from the origin, stores it, serves it and emits cos:ObjectCreated:Origin", async () => {
    const at = await mirroredBucket();
    const got = await cos.getObject({ ...at, Key: "mirror/photo.png" });
    expect(got.Body.toString()).toBe("PNG bytes from the origin");
    expect(got.headers?.["content-type"]).toBe("image/png");
    expect(asked).toEqual(["/mirror/photo.png"]);
    // Stored: a second GET and a HEAD are answered by COS itself, without asking the origin.
    const again = await cos.getObject({ ...at, Key: "mirror/photo.png" });
    expect(again.Body.toString()).toBe("PNG bytes from the origin");
    expect((await cos.headObject({ ...at, Key: "mirror/photo.png" })).headers?.["cache-control"]).toBe("max-age=60");
    expect(asked).toHaveLength(1);

    await cloud.triggers.idle();
    const records = events.flatMap((event) => parseCosEvent(event));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      eventName: "cos:ObjectCreated:Origin",
      kind: "created",
      bucket: at.Bucket,
      key: "mirror/photo.png",
      size: 25,
      contentType: "image/png",
      storageClass: "STANDARD",
    });
  });

  it("infers the Content-Type of a mirrored object the origin gives none, and answers 404 when the origin has none or the key is outside the prefix", async () => {
    const at = await mirroredBucket();
    const plain = await cos.getObject({ ...at, Key: "mirror/plain.txt" });
    expect(plain.headers?.["content-type"]).toBe("text/plain");
    const missing = await rejection(cos.getObject({ ...at, Key: "mirror/absent.txt" }));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe("NoSuchKey");
    const outside = await rejection(cos.getObject({ ...at, Key: "elsewhere/photo.png" }));
    expect(outside.code).toBe("NoSuchKey");
    expect(asked).toEqual(["/mirror/plain.txt", "/mirror/absent.txt"]);
    await cloud.triggers.idle();
    expect(events).toHaveLength(1);
  });

  it("answers the rules on GET ?origin, removes them on DELETE ?origin, and records the CAM actions", async () => {
    const at = await mirroredBucket();
    cloud.requests.clear();
    const got = await cos.getBucketOrigin(at);
    expect(got.OriginRule).toEqual([
      {
        RulePriority: "1",
        OriginType: "Mirror",
        OriginCondition: { HTTPStatusCode: "404", Prefix: "mirror/" },
        OriginParameter: { Protocol: "HTTP", FollowQueryString: "true" },
        OriginInfo: { HostInfo: { HostName: originHost } },
      },
    ]);
    await cos.deleteBucketOrigin(at);
    const none = await rejection(cos.getBucketOrigin(at));
    expect(none.statusCode).toBe(404);
    expect((await rejection(cos.getObject({ ...at, Key: "mirror/photo.png" }))).code).toBe("NoSuchKey");
    expect(asked).toEqual([]);
    // CAM action list (doc 436/31923): cos:GetBucketOrigin, cos:DeleteBucketOrigin (and cos:PutBucketOrigin).
    expect(cloud.requests.entries.slice(0, 2).map((entry) => entry.needs.map((need) => need.action))).toEqual([
      ["name/cos:GetBucketOrigin"],
      ["name/cos:DeleteBucketOrigin"],
    ]);
  });

  it("refuses a rule that is not Mirror-on-404 or has no origin host", async () => {
    const at = { Bucket: `origin${++bucketCount}-1250000000`, Region: REGION };
    await cos.putBucket(at);
    const rule = (type: string, code: string, host: string) =>
      `<OriginConfiguration><OriginRule><RulePriority>1</RulePriority><OriginType>${type}</OriginType><OriginCondition><HTTPStatusCode>${code}</HTTPStatusCode><Prefix></Prefix></OriginCondition><OriginInfo><HostInfo><HostName>${host}</HostName></HostInfo></OriginInfo></OriginRule></OriginConfiguration>`;
    const put = (body: string) =>
      rawRequest(cloud, { method: "PUT", bucket: at.Bucket, query: [["origin", ""]], body });
    expect((await put(rule("Mirror", "403", originHost))).body).toContain("<Code>InvalidArgument</Code>");
    expect((await put(rule("Mirror", "404", ""))).body).toContain("<Code>MalformedXML</Code>");
    expect((await put(rule("Bounce", "404", originHost))).body).toContain("<Code>MalformedXML</Code>");
    expect((await put(rule("Proxy", "404", originHost))).status).toBe(501);
    expect((await put(rule("Mirror", "404", originHost))).status).toBe(200);
  });
});
