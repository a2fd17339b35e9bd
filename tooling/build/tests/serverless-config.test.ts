import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import {
  type CosTriggerRule,
  checkServerlessConfig,
  cosTriggerRules,
  rulesOverlap,
  serverlessSrc,
} from "../src/index.ts";

const BUCKET = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

/** A config that deploys as written: every case below changes one thing of a fresh copy. */
function validConfig(): any {
  return {
    component: "scf",
    name: "thumbnailer",
    inputs: {
      name: "thumbnailer",
      src: { src: "../../dist/thumbnailer" },
      handler: "index.main_handler",
      runtime: "Nodejs20.15",
      region: "ap-guangzhou",
      role: "cosfn-thumbnailer",
      memorySize: 512,
      timeout: 900,
      environment: { variables: { OUTPUT_PREFIX: "thumbs/", MAX_ENTRIES: "100" } },
      events: [
        {
          cos: {
            parameters: {
              bucket: BUCKET,
              events: "cos:ObjectCreated:*",
              filter: { prefix: "uploads/", suffix: ".jpg" },
              enable: true,
            },
          },
        },
        {
          cos: {
            parameters: {
              bucket: BUCKET,
              events: "cos:ObjectCreated:*",
              filter: { prefix: "uploads/", suffix: ".png" },
              enable: true,
            },
          },
        },
      ],
    },
  };
}

const cos = (config: any, i: number) => config.inputs.events[i].cos.parameters;

const check = (config: unknown) => checkServerlessConfig(stringify(config));

describe("checkServerlessConfig", () => {
  it("finds nothing wrong with a valid config, also with src as a string, Nodejs20.15 and the smallest memory", () => {
    expect(check(validConfig())).toEqual([]);
    const config = validConfig();
    config.inputs.src = "../../dist/thumbnailer";
    config.inputs.memorySize = 64;
    config.inputs.timeout = 1;
    delete config.inputs.environment;
    expect(check(config)).toEqual([]);
  });

  const cases: [string, (config: any) => void, string][] = [
    ["component", (c) => (c.component = "express"), 'component: expected "scf", got "express"'],
    ["name", (c) => (c.inputs.name = "1-starts-with-a-digit"), "inputs.name: expected 2-60 letters"],
    ["name ending in -", (c) => (c.inputs.name = "ends-with-"), "inputs.name: expected 2-60 letters"],
    ["name of one character", (c) => (c.inputs.name = "a"), "inputs.name: expected 2-60 letters"],
    ["name of 61 characters", (c) => (c.inputs.name = `a${"b".repeat(60)}`), "inputs.name: expected 2-60 letters"],
    ["name with a dot", (c) => (c.inputs.name = "my.function"), "inputs.name: expected 2-60 letters"],
    [
      "src missing",
      (c) => delete c.inputs.src,
      "inputs.src: expected a folder, { src, exclude } or { bucket, object }",
    ],
    ["src.src empty", (c) => (c.inputs.src.src = ""), "inputs.src.src: expected the folder cosfn build writes"],
    ["src object without bucket", (c) => (c.inputs.src = { object: "code.zip" }), "inputs.src.bucket: expected"],
    ["src exclude", (c) => (c.inputs.src.exclude = "node_modules"), "inputs.src.exclude: expected a list"],
    ["type web", (c) => (c.inputs.type = "web"), 'inputs.type: expected "event"'],
    ["handler", (c) => (c.inputs.handler = "app.handler"), 'inputs.handler: expected "index.main_handler"'],
    ["handler missing", (c) => delete c.inputs.handler, 'inputs.handler: expected "index.main_handler"'],
    ["runtime unknown", (c) => (c.inputs.runtime = "Nodejs22.0"), "inputs.runtime: expected an SCF runtime"],
    ["runtime missing", (c) => delete c.inputs.runtime, "inputs.runtime: expected an SCF runtime"],
    [
      "runtime older than the bundle",
      (c) => (c.inputs.runtime = "Nodejs16.13"),
      'inputs.runtime: expected "Nodejs20.15" (the runtime the bundle is built for), got "Nodejs16.13"',
    ],
    [
      "region short code",
      (c) => (c.inputs.region = "gz"),
      'inputs.region: expected a full region name such as "ap-guangzhou", got "gz"',
    ],
    [
      "memory not a step of 128",
      (c) => (c.inputs.memorySize = 200),
      "inputs.memorySize: expected 64, or 128 to 3072 in steps of 128 (MB), got 200",
    ],
    ["memory over 3072", (c) => (c.inputs.memorySize = 3200), "inputs.memorySize: expected 64, or 128 to 3072"],
    ["memory as a string", (c) => (c.inputs.memorySize = "512"), "inputs.memorySize: expected 64, or 128 to 3072"],
    [
      "timeout 0",
      (c) => (c.inputs.timeout = 0),
      "inputs.timeout: expected a whole number of seconds from 1 to 900, got 0",
    ],
    [
      "timeout 901",
      (c) => (c.inputs.timeout = 901),
      "inputs.timeout: expected a whole number of seconds from 1 to 900",
    ],
    ["timeout fractional", (c) => (c.inputs.timeout = 1.5), "inputs.timeout: expected a whole number of seconds"],
    [
      "role missing",
      (c) => delete c.inputs.role,
      "inputs.role: expected the name of the execution role that carries cam-policy.json",
    ],
    ["role with a space", (c) => (c.inputs.role = "my role"), "inputs.role: expected the name of the execution role"],
    [
      "variable not a string",
      (c) => (c.inputs.environment.variables.MAX_ENTRIES = 100),
      "inputs.environment.variables.MAX_ENTRIES: expected a string (quote it in YAML), got 100",
    ],
    [
      "variable a boolean",
      (c) => (c.inputs.environment.variables.DELETE_SOURCE = false),
      "inputs.environment.variables.DELETE_SOURCE: expected a string",
    ],
    [
      "variable name",
      (c) => (c.inputs.environment.variables["OUTPUT-PREFIX"] = "x"),
      "inputs.environment.variables.OUTPUT-PREFIX: expected a name of 2-64 letters, digits and _",
    ],
    [
      "reserved SCF_",
      (c) => (c.inputs.environment.variables.SCF_MODE = "x"),
      "inputs.environment.variables.SCF_MODE: names starting with SCF_ are reserved by SCF",
    ],
    [
      "reserved QCLOUD_",
      (c) => (c.inputs.environment.variables.QCLOUD_X = "x"),
      "inputs.environment.variables.QCLOUD_X: names starting with QCLOUD_ are reserved",
    ],
    [
      "reserved TENCENTCLOUD_",
      (c) => (c.inputs.environment.variables.TENCENTCLOUD_SECRETID = "AKID"),
      "inputs.environment.variables.TENCENTCLOUD_SECRETID: names starting with TENCENTCLOUD_ are reserved",
    ],
    [
      "variables over 4 KB",
      (c) => (c.inputs.environment.variables.BIG = "x".repeat(4096)),
      "inputs.environment.variables: 4133 bytes of names and values: SCF allows 4096 (4 KB) in all",
    ],
    ["environment not a mapping", (c) => (c.inputs.environment = ["A=1"]), "inputs.environment: expected { variables"],
    ["no events", (c) => delete c.inputs.events, "inputs.events: expected a list of triggers"],
    ["no cos trigger", (c) => (c.inputs.events = []), "inputs.events: expected at least one cos trigger"],
    ["unknown trigger", (c) => c.inputs.events.push({ sqs: {} }), "inputs.events[2]: expected one trigger"],
    [
      "bucket without appid",
      (c) => (cos(c, 1).bucket = "examplebucket.cos.ap-guangzhou.myqcloud.com"),
      'inputs.events[1].cos.parameters.bucket: expected <name>-<appid>.cos.<region>.myqcloud.com, got "examplebucket.cos.ap-guangzhou.myqcloud.com"',
    ],
    [
      "bucket as name-appid only",
      (c) => (cos(c, 1).bucket = "examplebucket-1250000000"),
      "inputs.events[1].cos.parameters.bucket: expected <name>-<appid>.cos.<region>.myqcloud.com",
    ],
    [
      "bucket in another region",
      (c) => (cos(c, 1).bucket = "examplebucket-1250000000.cos.ap-shanghai.myqcloud.com"),
      'inputs.events[1].cos.parameters.bucket: the bucket is in ap-shanghai, the function in "ap-guangzhou"',
    ],
    [
      "S3 spelling of the event",
      (c) => (cos(c, 1).events = "cos:ObjectRemoved:*"),
      "inputs.events[1].cos.parameters.events: expected one COS event type",
    ],
    [
      "two events in one rule",
      (c) => (cos(c, 1).events = ["cos:ObjectCreated:Put", "cos:ObjectCreated:Post"]),
      "inputs.events[1].cos.parameters.events: expected one COS event type",
    ],
    [
      "filter missing",
      (c) => delete cos(c, 1).filter,
      "inputs.events[1].cos.parameters.filter: expected { prefix, suffix }",
    ],
    [
      "suffix not a string",
      (c) => (cos(c, 1).filter.suffix = 5),
      "inputs.events[1].cos.parameters.filter.suffix: expected a string",
    ],
    [
      "enable missing",
      (c) => delete cos(c, 1).enable,
      "inputs.events[1].cos.parameters.enable: expected true or false",
    ],
    [
      "enable as a string",
      (c) => (cos(c, 1).enable = "yes"),
      "inputs.events[1].cos.parameters.enable: expected true or false",
    ],
    [
      "overlapping suffix",
      (c) => (cos(c, 1).filter.suffix = ".jpg"),
      'inputs.events[1].cos.parameters: overlaps inputs.events[0].cos.parameters on examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com (cos:ObjectCreated:* prefix "uploads/" suffix ".jpg" and cos:ObjectCreated:* prefix "uploads/" suffix ".jpg"): COS refuses the second rule',
    ],
    [
      "an empty suffix overlaps every suffix",
      (c) => (cos(c, 1).filter.suffix = ""),
      "inputs.events[1].cos.parameters: overlaps inputs.events[0].cos.parameters",
    ],
    [
      "a prefix that starts the other's, and :Put within :*",
      (c) =>
        Object.assign(cos(c, 1), {
          events: "cos:ObjectCreated:Put",
          filter: { prefix: "uploads/2026/", suffix: ".jpg" },
        }),
      "inputs.events[1].cos.parameters: overlaps inputs.events[0].cos.parameters",
    ],
    [
      "eleven cos triggers",
      (c) => {
        c.inputs.events = Array.from({ length: 11 }, (_, i) => ({
          cos: { parameters: { ...cos(c, 0), filter: { prefix: `p${i}/`, suffix: "" } } },
        }));
      },
      "inputs.events: 11 cos triggers: SCF allows 10 per function",
    ],
  ];

  it.each(cases)("reports %s", (_, change, problem) => {
    const config = validConfig();
    change(config);
    const problems = check(config);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it("reports YAML that does not parse, and a document that is not a mapping", () => {
    expect(checkServerlessConfig("inputs: [unclosed")[0]).toMatch(/^<yaml>: /);
    expect(checkServerlessConfig("- scf\n")).toEqual(["<root>: expected a mapping with component, name and inputs"]);
  });

  it("accepts rules that differ in event category, prefix or suffix", () => {
    const config = validConfig();
    config.inputs.events = [
      ["cos:ObjectCreated:*", "a/", ".zip"],
      ["cos:ObjectRemove:*", "a/", ".zip"],
      ["cos:ObjectCreated:Put", "b/", ""],
      ["cos:ObjectCreated:*", "a/", ".tgz"],
      ["cos:ObjectCreated:*", "a/", ".gz"],
      ["cos:ObjectRestore:Post", "", ""],
      ["cos:ObjectRestore:Completed", "", ""],
    ].map(([events, prefix, suffix]) => ({
      cos: { parameters: { bucket: BUCKET, events, filter: { prefix, suffix }, enable: true } },
    }));
    expect(check(config)).toEqual([]);
  });
});

describe("rulesOverlap", () => {
  const rule = (event: string, prefix: string, suffix: string, bucket = BUCKET): CosTriggerRule => ({
    at: "x",
    bucket,
    event,
    prefix,
    suffix,
  });
  it.each([
    [rule("cos:ObjectCreated:*", "", ""), rule("cos:ObjectCreated:Put", "a/", ".zip"), true],
    [rule("cos:ObjectCreated:Put", "a/", ""), rule("cos:ObjectCreated:Post", "a/", ""), false],
    [rule("cos:ObjectCreated:*", "uploads/", ".zip"), rule("cos:ObjectCreated:*", "incoming/", ""), false],
    [rule("cos:ObjectCreated:*", "uploads/", ".tar.gz"), rule("cos:ObjectCreated:*", "uploads/a", ".gz"), true],
    [rule("cos:ObjectCreated:*", "", ".tgz"), rule("cos:ObjectCreated:*", "", ".gz"), false],
    [rule("cos:ObjectRemove:*", "", ""), rule("cos:ObjectCreated:*", "", ""), false],
    [
      rule("cos:ObjectCreated:*", "", ""),
      rule("cos:ObjectCreated:*", "", "", "other-1250000000.cos.ap-guangzhou.myqcloud.com"),
      false,
    ],
  ])("%o and %o: %s", (a, b, overlap) => {
    expect(rulesOverlap(a, b)).toBe(overlap);
    expect(rulesOverlap(b, a)).toBe(overlap);
  });
});

describe("cosTriggerRules and serverlessSrc", () => {
  it("read the rules, with their source, and the local folder src names", () => {
    const text = stringify(validConfig());
    expect(cosTriggerRules(text, "a.yml")).toEqual([
      {
        at: "a.yml: inputs.events[0].cos.parameters",
        bucket: BUCKET,
        event: "cos:ObjectCreated:*",
        prefix: "uploads/",
        suffix: ".jpg",
      },
      {
        at: "a.yml: inputs.events[1].cos.parameters",
        bucket: BUCKET,
        event: "cos:ObjectCreated:*",
        prefix: "uploads/",
        suffix: ".png",
      },
    ]);
    expect(serverlessSrc(text)).toBe("../../dist/thumbnailer");
    expect(serverlessSrc("inputs:\n  src: ./code\n")).toBe("./code");
    expect(serverlessSrc("inputs:\n  src: { bucket: b, object: code.zip }\n")).toBeUndefined();
  });
});
