import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConsoleFunctions,
  type ConsoleView,
  type LocalCloud,
  type RequestLogEntry,
  startLocalCloud,
  type TriggerRule,
} from "../src/index.ts";
import { consoleCall } from "./console-client.ts";
import { jpegHeader } from "./images.ts";
import { at, BUCKET, sdkFor } from "./sdk.ts";

let cloud: LocalCloud;
/** Whether `thumbnail` fails: a replay after "fixing" it succeeds. */
let broken = true;
const bound: Parameters<ConsoleFunctions["bind"]>[0][] = [];

const functions: ConsoleFunctions = {
  names: () => ["thumbnail", "audit"],
  bind(rule): TriggerRule {
    bound.push(rule);
    return {
      ...rule,
      handler: (event, _context, attempt) => {
        const key = (event as { Records: { cos: { cosObject: { key: string } } }[] }).Records[0]?.cos.cosObject.key;
        attempt.log(`${rule.functionName} got ${key}`);
        if (rule.functionName === "thumbnail" && broken) throw new Error("thumbnail is broken");
        return { done: key };
      },
    };
  },
};

const views: ConsoleView[] = [
  {
    id: "audit-log",
    functionName: "audit",
    title: "What audit saw",
    load: async () => ({
      sections: [
        {
          title: "Rows",
          note: "newest first",
          columns: ["key", "size", "ok", "object"],
          rows: [["a.txt", 1, true, { object: { bucket: BUCKET, key: "a.txt" }, text: "open" }]],
        },
      ],
    }),
  },
  {
    id: "broken",
    functionName: "thumbnail",
    title: "Fails",
    load: () => Promise.reject(new Error("database is down")),
  },
  {
    id: "bigint",
    functionName: "thumbnail",
    title: "Answers a BigInt",
    // A driver's int8 as a BigInt, outside the cell types: JSON cannot carry it.
    load: async () => ({ sections: [{ title: "t", columns: ["n"], rows: [[10n as unknown as number]] }] }),
  },
];

beforeAll(async () => {
  cloud = await startLocalCloud({
    buckets: [BUCKET],
    console: { functions, views },
    triggers: { retryDelaysMs: [] },
    cloudInfinite: { recognizer: { detectLabel: async () => [{ name: "猫", confidence: 91 }] } },
  });
});
afterAll(() => cloud.close());

const json = { "content-type": "application/json" };
const post = (path: string, body?: unknown) =>
  consoleCall(cloud, "POST", path, body === undefined ? {} : { headers: json, body: JSON.stringify(body) });

describe("the console's trigger rules", () => {
  it("binds a rule through functions.bind, which then runs the function on uploads with its logs", async () => {
    const added = await post("/api/triggers", {
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "audit/",
      functionName: "audit",
    });
    expect(added.status).toBe(201);
    const rule = cloud.triggers.rules.find((candidate) => candidate.functionName === "audit");
    expect(added.json).toEqual({
      id: rule?.id,
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "audit/",
      suffix: "",
      functionName: "audit",
    });
    expect(bound).toEqual([
      { bucket: BUCKET, events: ["cos:ObjectCreated:*"], prefix: "audit/", suffix: "", functionName: "audit" },
    ]);
    const listed = await consoleCall(cloud, "GET", "/api/triggers");
    expect(listed.json).toEqual({ rules: [added.json], functions: ["thumbnail", "audit"] });
    await sdkFor(cloud).putObject({ ...at, Key: "audit/1.txt", Body: "1" });
    await cloud.triggers.idle();
    const events = await consoleCall(cloud, "GET", "/api/events?function=audit");
    expect(events.json?.events).toMatchObject([
      {
        key: "audit/1.txt",
        replayOf: null,
        outcome: "succeeded",
        invocations: [
          { functionName: "audit", attempts: [{ logs: "audit got /1250000000/examplebucket/audit/1.txt\n" }] },
        ],
      },
    ]);
    // Each invocation names the rule that matched.
    const [event] = (events.json?.events ?? []) as { id: string; invocations: { rule: unknown }[] }[];
    expect(event?.invocations[0]?.rule).toEqual({
      id: rule?.id,
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "audit/",
      suffix: "",
    });
  });

  it("refuses an overlapping rule of another function (409) and malformed ones (400), binding none", async () => {
    const before = cloud.triggers.rules.length;
    const overlap = await post("/api/triggers", {
      bucket: BUCKET,
      events: ["cos:ObjectCreated:Put"],
      prefix: "audit/x",
      functionName: "thumbnail",
    });
    expect(overlap).toMatchObject({ status: 409, json: { error: { code: "TriggerOverlap" } } });
    expect(overlap.json?.error).toMatchObject({ message: expect.stringContaining("of function audit") });
    for (const [body, says] of [
      [{ bucket: "nobucket-1250000000", events: ["cos:ObjectCreated:*"], functionName: "audit" }, "nobucket"],
      [{ bucket: BUCKET, events: [], functionName: "audit" }, "non-empty"],
      [{ bucket: BUCKET, events: ["ObjectCreated:*"], functionName: "audit" }, "ObjectCreated:*"],
      [{ bucket: BUCKET, events: ["cos:ObjectCreated:*"], prefix: 3, functionName: "audit" }, "prefix"],
      [{ bucket: BUCKET, events: ["cos:ObjectCreated:*"], functionName: "resize" }, "thumbnail, audit"],
      [["not", "an", "object"], "JSON object"],
    ] as const) {
      const refused = await post("/api/triggers", body);
      expect(refused).toMatchObject({ status: 400, json: { error: { code: "BadRequest" } } });
      expect(refused.json?.error).toMatchObject({ message: expect.stringContaining(says) });
    }
    expect(cloud.triggers.rules.length).toBe(before);
  });

  it("removes a rule by id, then answers 404 NoSuchTrigger", async () => {
    const added = await post("/api/triggers", {
      bucket: BUCKET,
      events: ["cos:ObjectRemove:*"],
      functionName: "audit",
    });
    const id = added.json?.id as string;
    const removed = await consoleCall(cloud, "DELETE", `/api/triggers/${id}`);
    expect(removed).toMatchObject({ status: 200, json: { removed: id } });
    expect(cloud.triggers.rules.map((rule) => rule.id)).not.toContain(id);
    const again = await consoleCall(cloud, "DELETE", `/api/triggers/${id}`);
    expect(again).toMatchObject({ status: 404, json: { error: { code: "NoSuchTrigger" } } });
  });

  it("answers 501 NotSupported when the local cloud has no functions to bind", async () => {
    const bare = await startLocalCloud({ buckets: [BUCKET], console: {} });
    try {
      const added = await consoleCall(bare, "POST", "/api/triggers", {
        headers: json,
        body: JSON.stringify({ bucket: BUCKET, events: ["cos:ObjectCreated:*"], functionName: "audit" }),
      });
      expect(added).toMatchObject({ status: 501, json: { error: { code: "NotSupported" } } });
      expect(added.json?.error).toMatchObject({ message: expect.stringContaining("without functions to bind") });
      expect(bare.triggers.rules).toEqual([]);
      expect((await consoleCall(bare, "GET", "/api/triggers")).json).toEqual({ rules: [], functions: [] });
    } finally {
      await bare.close();
    }
  });
});

describe("replaying an event", () => {
  it("dispatches the change again through the rules bound now, recorded with replayOf", async () => {
    await post("/api/triggers", {
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "img/",
      functionName: "thumbnail",
    });
    await sdkFor(cloud).putObject({ ...at, Key: "img/cat.jpg", Body: "cat" });
    await cloud.triggers.idle();
    const [failed] = ((await consoleCall(cloud, "GET", "/api/events?function=thumbnail")).json?.events ?? []) as {
      id: string;
      outcome: string;
    }[];
    expect(failed).toMatchObject({ key: "img/cat.jpg", outcome: "failed" });
    broken = false;
    const replayed = await post(`/api/events/${failed?.id}/replay`);
    expect(replayed.status).toBe(201);
    expect(replayed.json).toMatchObject({
      key: "img/cat.jpg",
      eventName: "cos:ObjectCreated:Put",
      replayOf: failed?.id,
    });
    expect(replayed.json?.id).not.toBe(failed?.id);
    await cloud.triggers.idle();
    const events = (await consoleCall(cloud, "GET", "/api/events?function=thumbnail")).json?.events;
    expect(events).toMatchObject([
      {
        id: replayed.json?.id,
        replayOf: failed?.id,
        outcome: "succeeded",
        invocations: [
          {
            attempts: [
              {
                result: { done: "/1250000000/examplebucket/img/cat.jpg" },
                logs: "thumbnail got /1250000000/examplebucket/img/cat.jpg\n",
              },
            ],
          },
        ],
      },
      { id: failed?.id, outcome: "failed", replayOf: null },
    ]);
    // The replay is a dispatch, not a request: no COS request was made for it.
    expect(cloud.requests.filter((entry) => entry.key === "img/cat.jpg").length).toBe(1);
  });

  it("gives an event no rule matched to a rule added since, and answers 404 NoSuchEvent", async () => {
    await sdkFor(cloud).putObject({ ...at, Key: "late/a.txt", Body: "a" });
    const [unmatched] = ((await consoleCall(cloud, "GET", "/api/events?limit=1")).json?.events ?? []) as {
      id: string;
    }[];
    expect(unmatched).toMatchObject({ key: "late/a.txt", outcome: "none" });
    await post("/api/triggers", {
      bucket: BUCKET,
      events: ["cos:ObjectCreated:*"],
      prefix: "late/",
      functionName: "audit",
    });
    const replayed = await consoleCall(cloud, "POST", `/api/events/${unmatched?.id}/replay`, { headers: json });
    expect(replayed.json).toMatchObject({ replayOf: unmatched?.id, invocations: [{ functionName: "audit" }] });
    await cloud.triggers.idle();
    const missing = await post("/api/events/no-such-id/replay");
    expect(missing).toMatchObject({ status: 404, json: { error: { code: "NoSuchEvent" } } });
  });
});

describe("the functions' views", () => {
  it("lists the views and answers what load() gives", async () => {
    expect((await consoleCall(cloud, "GET", "/api/views")).json).toEqual({
      views: [
        { id: "audit-log", functionName: "audit", title: "What audit saw" },
        { id: "broken", functionName: "thumbnail", title: "Fails" },
        { id: "bigint", functionName: "thumbnail", title: "Answers a BigInt" },
      ],
    });
    const loaded = await consoleCall(cloud, "GET", "/api/views/audit-log");
    expect(loaded.json).toEqual(await views[0]?.load());
  });

  it("answers 500 ViewFailed with the error (or when JSON cannot carry the answer), and 404 NoSuchView", async () => {
    const failed = await consoleCall(cloud, "GET", "/api/views/broken");
    expect(failed).toMatchObject({ status: 500, json: { error: { code: "ViewFailed" } } });
    expect(failed.json?.error).toMatchObject({ message: expect.stringContaining("database is down") });
    // What JSON cannot carry fails as that view, naming it, and the console goes on answering.
    const unserializable = await consoleCall(cloud, "GET", "/api/views/bigint");
    expect(unserializable).toMatchObject({ status: 500, json: { error: { code: "ViewFailed" } } });
    expect(unserializable.json?.error).toMatchObject({
      message: expect.stringMatching(/^the view "bigint" of function thumbnail failed: .*BigInt/),
    });
    const missing = await consoleCall(cloud, "GET", "/api/views/nope");
    expect(missing).toMatchObject({ status: 404, json: { error: { code: "NoSuchView" } } });
  });
});

describe("Cloud Infinite answers in the request log", () => {
  it("keeps what CI answered in the entry of a ci request, and nothing in COS entries", async () => {
    const cos = sdkFor(cloud);
    await cos.putObject({ ...at, Key: "ci/cat.jpg", Body: jpegHeader(64, 48) });
    await cos.request({
      ...at,
      Method: "GET",
      Key: "ci/cat.jpg",
      Query: { "ci-process": "detect-label" },
      RawBody: true,
    } as Parameters<typeof cos.request>[0]);
    const { json: body } = await consoleCall(cloud, "GET", "/api/requests?bucket=examplebucket-1250000000&limit=2");
    const [ci, put] = (body?.requests ?? []) as (RequestLogEntry & { answer?: string })[];
    expect(ci).toMatchObject({ service: "ci", key: "ci/cat.jpg", status: 200 });
    expect(ci?.answer).toContain("<Name>猫</Name>");
    expect(put).toMatchObject({ service: "cos", method: "PUT" });
    expect(put?.answer).toBeUndefined();
  });
});
