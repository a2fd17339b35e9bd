import { COS_EVENT_NAMES, COS_REGIONS } from "@cosfn/events";
import { rulesOverlap as cosRulesOverlap } from "@cosfn/local-cloud";
import { parseDocument } from "yaml";

/**
 * Checks a function's `serverless.yml` against the inputs of the Serverless Framework's Tencent `scf` component
 * (serverless-components/tencent-scf: `serverless.component.yml` and `docs/configure.md`) and SCF's own limits
 * (REFERENCE.md §1-2), for a cosfn function: an event function bundled by `cosfn build`, triggered by COS.
 *
 * Where the component and SCF disagree, SCF wins: the component's stored schema allows runtimes only up to
 * `Nodejs16.13`, while SCF offers `Nodejs18.15` and `Nodejs20.15` (the runtime cosfn builds for) and third-party
 * configurations deploy `Nodejs20.15` with the component. Whether the component itself refuses those is
 * UNVERIFIED; this check accepts them.
 */

/** The SCF runtime `cosfn build` bundles for (esbuild target `node20.15`). */
export const SCF_RUNTIME = "Nodejs20.15";

/** Runtimes in the component's stored schema (`serverless.component.yml`, `actions.deploy.inputs.runtime.allow`). */
const COMPONENT_RUNTIMES = [
  "Python2.7",
  "Python3.6",
  "Python3.7",
  "Nodejs6.10",
  "Nodejs8.9",
  "Nodejs10.15",
  "Nodejs12.16",
  "Nodejs14.18",
  "Nodejs16.13",
  "Php5",
  "Php7",
  "Php7.4",
  "Php8.0",
  "Go1",
  "Java8",
  "Java11",
  "CustomRuntime",
];

/** Every runtime accepted: the component's list and the newer Node.js runtimes SCF offers (REFERENCE §2). */
export const SCF_RUNTIMES: readonly string[] = [...COMPONENT_RUNTIMES, "Nodejs18.15", "Nodejs20.15"];

/** The event types a COS trigger rule can subscribe to (the component's `cos.parameters.events.allow`). */
export const COS_TRIGGER_EVENTS: readonly string[] = COS_EVENT_NAMES;

/** Trigger types the component knows; only `cos` is checked further. */
const TRIGGER_TYPES = ["timer", "apigw", "cos", "cmq", "ckafka", "cls", "mps", "clb"];

/** The component's `name` regex: 2-60 characters, letters, digits, `-` and `_`, from a letter to a letter or digit. */
const FUNCTION_NAME = /^[A-Za-z][\w-]{0,58}[A-Za-z0-9]$/;
/** CAM role names (CreateRole, doc 598/36225): 1-128 of letters, digits and `+=,.@-_`. */
const ROLE_NAME = /^[\w+=,.@-]{1,128}$/;
/** SCF environment variable names (doc 583/32748): a letter, then letters, digits and `_`, 2-64 in all. */
const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;
/** Names SCF keeps for itself (REFERENCE §2). */
const RESERVED_PREFIXES = ["SCF_", "QCLOUD_", "TENCENTCLOUD_"];
/** All variables' names and values together, in bytes (REFERENCE §2: "env vars 4 KB in all"). */
const ENVIRONMENT_BYTES = 4096;
/** COS triggers per function (REFERENCE §1). */
const MAX_COS_TRIGGERS = 10;
/** A COS trigger's bucket: `<name>-<appid>.cos.<region>.myqcloud.com`. */
const BUCKET_HOST = /^([a-z0-9][a-z0-9-]*)-(\d+)\.cos\.([a-z]{2}-[a-z]+(?:-[a-z0-9]+)?)\.myqcloud\.com$/;

/** One COS trigger rule of a `serverless.yml`: what COS compares when it refuses overlapping rules. */
export interface CosTriggerRule {
  /** Where the rule is, e.g. `inputs.events[1].cos.parameters`. */
  at: string;
  /** The bucket host, `<name>-<appid>.cos.<region>.myqcloud.com`. */
  bucket: string;
  event: string;
  prefix: string;
  suffix: string;
}

export interface ServerlessConfigOptions {
  /** The runtime the function's bundle needs; default `Nodejs20.15` (what `cosfn build` targets). */
  runtime?: string;
}

type Fields = Record<string, unknown>;

const isRecord = (value: unknown): value is Fields =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const show = (value: unknown): string => (value === undefined ? "nothing" : JSON.stringify(value));

function parse(text: string): { config?: unknown; problems: string[] } {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0)
    return { problems: document.errors.map((error) => `<yaml>: ${error.message.split("\n")[0]}`) };
  return { config: document.toJS(), problems: [] };
}

/**
 * Every problem of a `serverless.yml` for a cosfn function, each naming the field
 * (`inputs.events[1].cos.parameters.bucket: expected <name>-<appid>.cos.<region>.myqcloud.com, got ...`);
 * an empty list when it deploys as written.
 */
export function checkServerlessConfig(text: string, options: ServerlessConfigOptions = {}): string[] {
  const { config, problems } = parse(text);
  if (problems.length > 0) return problems;
  const report = (at: string, message: string) => problems.push(`${at}: ${message}`);
  if (!isRecord(config)) return ["<root>: expected a mapping with component, name and inputs"];
  if (config.component !== "scf") report("component", `expected "scf", got ${show(config.component)}`);
  if (typeof config.name !== "string" || config.name === "")
    report("name", `expected the component instance's name, got ${show(config.name)}`);
  const inputs = config.inputs;
  if (!isRecord(inputs)) {
    report("inputs", "expected a mapping of the scf component's inputs");
    return problems;
  }

  if (typeof inputs.name !== "string" || !FUNCTION_NAME.test(inputs.name))
    report(
      "inputs.name",
      `expected 2-60 letters, digits, "-" and "_", starting with a letter and ending with a letter or digit, got ${show(inputs.name)}`,
    );
  checkSrc(inputs.src, report);
  if (inputs.type !== undefined && inputs.type !== "event")
    report("inputs.type", `expected "event" (a COS-triggered function), got ${show(inputs.type)}`);
  if (inputs.handler !== "index.main_handler")
    report("inputs.handler", `expected "index.main_handler" (the bundle's index.js), got ${show(inputs.handler)}`);
  const runtime = options.runtime ?? SCF_RUNTIME;
  if (typeof inputs.runtime !== "string" || !SCF_RUNTIMES.includes(inputs.runtime))
    report("inputs.runtime", `expected an SCF runtime such as "${runtime}", got ${show(inputs.runtime)}`);
  else if (inputs.runtime !== runtime)
    report(
      "inputs.runtime",
      `expected "${runtime}" (the runtime the bundle is built for), got ${show(inputs.runtime)}`,
    );
  const region = inputs.region;
  if (typeof region !== "string" || !COS_REGIONS.includes(region))
    report("inputs.region", `expected a full region name such as "ap-guangzhou", got ${show(region)}`);
  if (
    inputs.memorySize !== undefined &&
    !(
      inputs.memorySize === 64 ||
      (Number.isInteger(inputs.memorySize) &&
        (inputs.memorySize as number) >= 128 &&
        (inputs.memorySize as number) <= 3072 &&
        (inputs.memorySize as number) % 128 === 0)
    )
  )
    report("inputs.memorySize", `expected 64, or 128 to 3072 in steps of 128 (MB), got ${show(inputs.memorySize)}`);
  if (
    inputs.timeout !== undefined &&
    !(Number.isInteger(inputs.timeout) && (inputs.timeout as number) >= 1 && (inputs.timeout as number) <= 900)
  )
    report("inputs.timeout", `expected a whole number of seconds from 1 to 900, got ${show(inputs.timeout)}`);
  if (typeof inputs.role !== "string" || !ROLE_NAME.test(inputs.role))
    report(
      "inputs.role",
      `expected the name of the execution role that carries cam-policy.json (without it the function gets no credentials), got ${show(inputs.role)}`,
    );
  checkEnvironment(inputs.environment, report);

  if (!Array.isArray(inputs.events)) {
    report("inputs.events", "expected a list of triggers with at least one cos trigger");
    return problems;
  }
  const rules: CosTriggerRule[] = [];
  inputs.events.forEach((trigger, i) => {
    const at = `inputs.events[${i}]`;
    const types = isRecord(trigger) ? Object.keys(trigger) : [];
    const [type] = types;
    if (types.length !== 1 || type === undefined || !TRIGGER_TYPES.includes(type)) {
      report(at, `expected one trigger (${TRIGGER_TYPES.join(", ")}), got ${show(trigger)}`);
      return;
    }
    if (type === "cos") {
      const rule = checkCosTrigger((trigger as Fields).cos, `${at}.cos`, region, report);
      if (rule) rules.push(rule);
    }
  });
  const cosTriggers = inputs.events.filter((trigger) => isRecord(trigger) && "cos" in trigger).length;
  if (cosTriggers === 0) report("inputs.events", "expected at least one cos trigger");
  if (cosTriggers > MAX_COS_TRIGGERS)
    report("inputs.events", `${cosTriggers} cos triggers: SCF allows ${MAX_COS_TRIGGERS} per function`);
  for (const [first, second] of overlappingRules(rules))
    report(
      second.at,
      `overlaps ${first.at} on ${first.bucket} (${describeRule(first)} and ${describeRule(second)}): COS refuses the second rule`,
    );
  return problems;
}

function checkSrc(src: unknown, report: (at: string, message: string) => void): void {
  if (typeof src === "string") {
    if (src === "") report("inputs.src", "expected the folder cosfn build writes, got an empty string");
    return;
  }
  if (!isRecord(src)) {
    report("inputs.src", `expected a folder, { src, exclude } or { bucket, object }, got ${show(src)}`);
    return;
  }
  if (src.src !== undefined && src.object !== undefined)
    report("inputs.src", "expected either src (a local folder) or object (code in COS), not both");
  else if (src.src !== undefined) {
    if (typeof src.src !== "string" || src.src === "")
      report("inputs.src.src", `expected the folder cosfn build writes, got ${show(src.src)}`);
  } else if (src.object !== undefined) {
    if (typeof src.object !== "string" || src.object === "")
      report("inputs.src.object", `expected the code zip's key in the bucket, got ${show(src.object)}`);
    if (typeof src.bucket !== "string" || src.bucket === "")
      report("inputs.src.bucket", `expected the bucket holding the code zip, got ${show(src.bucket)}`);
  } else report("inputs.src", "expected src (a local folder) or bucket and object (code in COS)");
  if (src.exclude !== undefined && !(Array.isArray(src.exclude) && src.exclude.every((e) => typeof e === "string")))
    report("inputs.src.exclude", `expected a list of glob patterns, got ${show(src.exclude)}`);
}

function checkEnvironment(environment: unknown, report: (at: string, message: string) => void): void {
  if (environment === undefined) return;
  if (!isRecord(environment) || (environment.variables !== undefined && !isRecord(environment.variables))) {
    report("inputs.environment", `expected { variables: { NAME: "value", ... } }, got ${show(environment)}`);
    return;
  }
  const variables = (environment.variables ?? {}) as Fields;
  let bytes = 0;
  for (const [name, value] of Object.entries(variables)) {
    const at = `inputs.environment.variables.${name}`;
    if (!VARIABLE_NAME.test(name)) report(at, "expected a name of 2-64 letters, digits and _, starting with a letter");
    const reserved = RESERVED_PREFIXES.find((prefix) => name.startsWith(prefix));
    if (reserved) report(at, `names starting with ${reserved} are reserved by SCF`);
    if (typeof value !== "string") report(at, `expected a string (quote it in YAML), got ${show(value)}`);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(String(value));
  }
  if (bytes > ENVIRONMENT_BYTES)
    report(
      "inputs.environment.variables",
      `${bytes} bytes of names and values: SCF allows ${ENVIRONMENT_BYTES} (4 KB) in all`,
    );
}

function checkCosTrigger(
  trigger: unknown,
  at: string,
  region: unknown,
  report: (at: string, message: string) => void,
): CosTriggerRule | undefined {
  const parameters = isRecord(trigger) ? trigger.parameters : undefined;
  if (!isRecord(parameters)) {
    report(`${at}.parameters`, "expected { bucket, events, filter: { prefix, suffix }, enable }");
    return undefined;
  }
  at = `${at}.parameters`;
  let ok = true;
  const bucket = parameters.bucket;
  const host = typeof bucket === "string" ? BUCKET_HOST.exec(bucket) : null;
  if (!host) {
    ok = false;
    report(`${at}.bucket`, `expected <name>-<appid>.cos.<region>.myqcloud.com, got ${show(bucket)}`);
  } else if (typeof region === "string" && COS_REGIONS.includes(region) && host[3] !== region)
    report(
      `${at}.bucket`,
      `the bucket is in ${host[3]}, the function in ${show(region)}: COS triggers need both in one region`,
    );
  const event = parameters.events;
  if (typeof event !== "string" || !COS_TRIGGER_EVENTS.includes(event)) {
    ok = false;
    report(`${at}.events`, `expected one COS event type (${COS_TRIGGER_EVENTS.join(", ")}), got ${show(event)}`);
  }
  const filter = parameters.filter;
  if (!isRecord(filter)) {
    ok = false;
    report(`${at}.filter`, `expected { prefix, suffix } (strings, "" for none), got ${show(filter)}`);
  } else {
    for (const field of ["prefix", "suffix"]) {
      if (filter[field] !== undefined && typeof filter[field] !== "string") {
        ok = false;
        report(`${at}.filter.${field}`, `expected a string ("" for none), got ${show(filter[field])}`);
      }
    }
  }
  // The component's docs default enable to false, its schema to true: say it.
  if (typeof parameters.enable !== "boolean")
    report(
      `${at}.enable`,
      `expected true or false (the component's docs and schema disagree on the default), got ${show(parameters.enable)}`,
    );
  if (parameters.qualifier !== undefined && typeof parameters.qualifier !== "string")
    report(`${at}.qualifier`, `expected a version or alias such as "$DEFAULT", got ${show(parameters.qualifier)}`);
  if (!ok || !isRecord(filter)) return undefined;
  return {
    at,
    bucket: bucket as string,
    event: event as string,
    prefix: (filter.prefix as string | undefined) ?? "",
    suffix: (filter.suffix as string | undefined) ?? "",
  };
}

function describeRule(rule: CosTriggerRule): string {
  return `${rule.event} prefix ${JSON.stringify(rule.prefix)} suffix ${JSON.stringify(rule.suffix)}`;
}

/**
 * The well-formed COS trigger rules of a `serverless.yml` (malformed ones are left out: `checkServerlessConfig`
 * reports them). With `source`, each rule's `at` starts with it, e.g. `functions/x/serverless.yml: inputs.events[0]...`.
 */
export function cosTriggerRules(text: string, source?: string): CosTriggerRule[] {
  const { config } = parse(text);
  const inputs = isRecord(config) ? config.inputs : undefined;
  if (!isRecord(inputs) || !Array.isArray(inputs.events)) return [];
  const rules: CosTriggerRule[] = [];
  inputs.events.forEach((trigger, i) => {
    if (!isRecord(trigger) || !("cos" in trigger)) return;
    const at = `${source ? `${source}: ` : ""}inputs.events[${i}].cos`;
    const rule = checkCosTrigger(trigger.cos, at, inputs.region, () => {});
    if (rule) rules.push(rule);
  });
  return rules;
}

/**
 * True when COS refuses to bind both rules (doc 583/9707): the local cloud's `rulesOverlap`, the one definition of
 * the rule, applied to two rules of serverless.yml files.
 */
export function rulesOverlap(a: CosTriggerRule, b: CosTriggerRule): boolean {
  const filter = (rule: CosTriggerRule) => ({
    bucket: rule.bucket,
    events: [rule.event],
    prefix: rule.prefix,
    suffix: rule.suffix,
  });
  return cosRulesOverlap(filter(a), filter(b));
}

/** Every pair of rules that overlap, each pair in the order given. */
export function overlappingRules(rules: readonly CosTriggerRule[]): [CosTriggerRule, CosTriggerRule][] {
  const pairs: [CosTriggerRule, CosTriggerRule][] = [];
  rules.forEach((first, i) => {
    for (const second of rules.slice(i + 1)) if (rulesOverlap(first, second)) pairs.push([first, second]);
  });
  return pairs;
}

/** The local folder `src` names (relative to the `serverless.yml`), or undefined when the code comes from COS. */
export function serverlessSrc(text: string): string | undefined {
  const { config } = parse(text);
  const src = isRecord(config) && isRecord(config.inputs) ? config.inputs.src : undefined;
  if (typeof src === "string") return src;
  return isRecord(src) && typeof src.src === "string" ? src.src : undefined;
}
