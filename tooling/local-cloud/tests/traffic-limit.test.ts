import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Credentials,
  type LocalCloud,
  paced,
  postObjectForm,
  startLocalCloud,
  storedBytes,
  type TransferClock,
} from "../src/index.ts";
import { at, BUCKET, rawRequest, rejection, sdkFor } from "./sdk.ts";

/**
 * `x-cos-traffic-limit`, as COS documents it (doc 436/40140 "单链接限速", intl 436/34072 "Single-Connection
 * Bandwidth Limit"; the SDK's own `TrafficLimit` typing says the same): on PUT Object, POST Object (a form field),
 * Upload Part and GET Object, in a header or a query parameter, a number of bit/s from 819200 to 838860800
 * (100 KB/s to 100 MB/s); COS paces that request to it, and answers a value out of that range with 400.
 *
 * The pacing runs on a fake clock here: its `sleep` records the wait and moves time on at once, so each test
 * checks the exact schedule (a piece of a tenth of a second's bytes at a time, the last at size * 8 / limit
 * seconds) without waiting for it or timing anything.
 */
const sleeps: number[] = [];
let now = 0;
const clock: TransferClock = {
  now: () => now,
  sleep: async (ms) => {
    sleeps.push(ms);
    now += ms;
  },
};

let cloud: LocalCloud;
let cos: ReturnType<typeof sdkFor>;

beforeAll(async () => {
  cloud = await startLocalCloud({ buckets: [BUCKET], trafficClock: clock });
  cos = sdkFor(cloud);
});
afterAll(() => cloud.close());
beforeEach(() => {
  sleeps.length = 0;
  now = 0;
});

const KiB = 1024;
const MIN = 819_200; // bit/s: 102,400 bytes a second, pieces of 10,240 bytes every 100 ms
const data = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 256));

/**
 * The waits of a transfer of `size` bytes at `bitsPerSecond`: a piece of a tenth of a second's bytes every 100 ms,
 * the last (maybe shorter) one when the last byte's time has come.
 */
function schedule(size: number, bitsPerSecond: number): number[] {
  const piece = bitsPerSecond / 8 / 10;
  const pieces = Math.ceil(size / piece);
  const lastWait = (size * 8000) / bitsPerSecond - (pieces - 1) * 100;
  return [...Array.from({ length: pieces - 1 }, () => 100), lastWait];
}

describe("x-cos-traffic-limit", () => {
  it("paces a PUT Object: 256 KiB at 819200 bit/s takes 2.56 s, in 100 ms steps, and stores every byte", async () => {
    const body = data(256 * KiB);
    await cos.putObject({ ...at, Key: "tl/put.bin", Body: body, TrafficLimit: MIN } as never);
    expect(sleeps).toEqual(schedule(256 * KiB, MIN));
    expect(sleeps).toEqual([...Array.from({ length: 25 }, () => 100), 60]);
    expect(now).toBe(2560);
    expect((await storedBytes(cloud, BUCKET, "tl/put.bin")).equals(body)).toBe(true);
  });

  it("paces a GET Object (header or query parameter) at the rate asked, and serves every byte", async () => {
    const body = data(256 * KiB);
    await cos.putObject({ ...at, Key: "tl/get.bin", Body: body });
    expect(sleeps).toEqual([]); // no limit, no pacing

    const got = await cos.getObject({ ...at, Key: "tl/get.bin", TrafficLimit: 2 * MIN });
    expect(Buffer.from(got.Body as Buffer).equals(body)).toBe(true);
    expect(sleeps).toEqual(schedule(256 * KiB, 2 * MIN)); // 12 steps of 100 ms, then 80 ms: 1.28 s
    expect(now).toBe(1280);

    sleeps.length = 0;
    now = 0;
    const ranged = await cos.getObject({
      ...at,
      Key: "tl/get.bin",
      Range: "bytes=0-51199",
      Query: { "x-cos-traffic-limit": String(MIN) },
    });
    expect(Buffer.from(ranged.Body as Buffer).equals(body.subarray(0, 51_200))).toBe(true);
    expect(sleeps).toEqual([100, 100, 100, 100, 100]); // 50 KiB at 100 KiB/s: half a second
    expect(now).toBe(500);
  });

  it("paces an Upload Part, and the completed object is whole", async () => {
    const first = data(1024 * KiB);
    const { UploadId } = await cos.multipartInit({ ...at, Key: "tl/parts.bin" });
    const one = await cos.multipartUpload({
      ...at,
      Key: "tl/parts.bin",
      UploadId,
      PartNumber: 1,
      Body: first,
      TrafficLimit: 8 * MIN, // 800 KiB/s: 1 MiB in 1.28 s
    } as never);
    expect(sleeps).toEqual(schedule(1024 * KiB, 8 * MIN));
    expect(now).toBe(1280);
    const two = await cos.multipartUpload({ ...at, Key: "tl/parts.bin", UploadId, PartNumber: 2, Body: "end" });
    await cos.multipartComplete({
      ...at,
      Key: "tl/parts.bin",
      UploadId,
      Parts: [
        { PartNumber: 1, ETag: one.ETag },
        { PartNumber: 2, ETag: two.ETag },
      ],
    });
    expect((await storedBytes(cloud, BUCKET, "tl/parts.bin")).equals(Buffer.concat([first, Buffer.from("end")]))).toBe(
      true,
    );
  });

  it("paces a POST Object whose form has an x-cos-traffic-limit field", async () => {
    // The Node.js SDK has no POST Object (a browser upload): the form is built as COS's doc 436/14690 says.
    const file = data(30 * KiB);
    const answer = await postForm("tl/form.bin", file, { "x-cos-traffic-limit": String(MIN) });
    expect(answer).toBe(204);
    expect(sleeps).toEqual(schedule(30 * KiB, MIN)); // 100, 100, then 100: 0.3 s
    expect(now).toBe(300);
    expect((await storedBytes(cloud, BUCKET, "tl/form.bin")).equals(file)).toBe(true);
  });

  it("accepts both ends of COS's range and refuses anything outside it, or not a number, with 400", async () => {
    await cos.putObject({ ...at, Key: "tl/max", Body: "x", TrafficLimit: 838_860_800 } as never);
    await cos.putObject({ ...at, Key: "tl/min", Body: "x", TrafficLimit: MIN } as never);
    expect((await storedBytes(cloud, BUCKET, "tl/max")).toString()).toBe("x");
    expect(sleeps).toEqual([8000 / 838_860_800, 8000 / MIN]); // one byte's time at each
    sleeps.length = 0;
    for (const value of ["819199", "838860801", "0", "fast", "1e6"]) {
      const refused = await rejection(
        cos.putObject({ ...at, Key: `tl/refused-${value}`, Body: "x", Headers: { "x-cos-traffic-limit": value } }),
      );
      expect(refused).toMatchObject({ statusCode: 400, code: "InvalidArgument" });
      expect(cloud.store.head(BUCKET, `tl/refused-${value}`)).toBeUndefined();
    }
    const get = await rejection(cos.getObject({ ...at, Key: "tl/max", TrafficLimit: 100 }));
    expect(get).toMatchObject({ statusCode: 400, code: "InvalidArgument" });
    const { UploadId } = await cos.multipartInit({ ...at, Key: "tl/part-refused" });
    const part = await rejection(
      cos.multipartUpload({
        ...at,
        Key: "tl/part-refused",
        UploadId,
        PartNumber: 1,
        Body: "x",
        TrafficLimit: 1,
      } as never),
    );
    expect(part).toMatchObject({ statusCode: 400, code: "InvalidArgument" });
    expect(await postForm("tl/form-refused", Buffer.from("x"), { "x-cos-traffic-limit": "1" })).toBe(400);
    expect(cloud.store.head(BUCKET, "tl/form-refused")).toBeUndefined();
    // A query parameter is read as the header is.
    const query = await rawRequest(cloud, { method: "GET", key: "tl/max", query: [["x-cos-traffic-limit", "5"]] });
    expect(query.status).toBe(400);
    expect(query.body).toContain("<Code>InvalidArgument</Code>");
    expect(sleeps).toEqual([]); // nothing refused was transferred
  });

  it("does not limit what COS does not limit: HEAD, and the copy APIs, ignore the header", async () => {
    await cos.putObject({ ...at, Key: "tl/src", Body: data(200 * KiB) });
    const head = await cos.headObject({ ...at, Key: "tl/src", Headers: { "x-cos-traffic-limit": "1" } });
    expect(head.statusCode).toBe(200);
    await cos.putObjectCopy({
      ...at,
      Key: "tl/copy",
      CopySource: `${BUCKET}.cos.${at.Region}.myqcloud.com/tl/src`,
      Headers: { "x-cos-traffic-limit": String(MIN) },
    });
    expect(sleeps).toEqual([]);
    expect((await storedBytes(cloud, BUCKET, "tl/copy")).length).toBe(200 * KiB);
  });
});

describe("paced", () => {
  it("keeps to the schedule whatever chunks the source comes in", async () => {
    const times: number[] = [];
    async function* uneven(): AsyncGenerator<Buffer> {
      for (const size of [1, 20_000, 3, 17_000, 4_096]) yield Buffer.alloc(size, 1);
    }
    let bytes = 0;
    for await (const piece of paced(uneven(), MIN, clock)) {
      times.push(now);
      bytes += piece.length;
      expect(piece.length).toBeLessThanOrEqual(10_240);
    }
    expect(bytes).toBe(41_100);
    // Each piece once its last byte's time has come; the last (140 bytes) at 401.37 ms.
    expect(times).toEqual([100, 200, 300, 400, (41_100 * 8000) / MIN]);
  });
});

/** POST Object with `extra` form fields; answers the HTTP status. */
async function postForm(key: string, file: Buffer, extra: Record<string, string>): Promise<number> {
  const [credentials] = cloud.credentials as [Credentials];
  const answer = await postObjectForm({
    endpoint: cloud.endpoint,
    bucket: BUCKET,
    region: at.Region,
    key,
    file,
    credentials,
    conditions: [{ bucket: BUCKET }, ["starts-with", "$key", "tl/"]],
    fields: extra,
  });
  return answer.status;
}
