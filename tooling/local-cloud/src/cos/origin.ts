import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { storedContentType } from "./content-type.ts";
import { CosError } from "./errors.ts";
import { bucketName, emit, type RequestContext, readText } from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import type { OriginRule, StoredObject } from "./store.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

const PROTOCOLS = ["HTTP", "HTTPS", "FOLLOW"] as const;
/** The response headers of the origin that the mirrored object keeps. */
const KEPT_HEADERS = ["cache-control", "content-disposition", "content-encoding", "content-language", "expires"];

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * The OriginConfiguration document of PUT Bucket origin (doc 436/52813): each `OriginRule` with `RulePriority`,
 * `OriginType`, `OriginCondition` (`HTTPStatusCode` 404, `Prefix`), `OriginParameter` (`Protocol`,
 * `FollowQueryString`) and `OriginInfo/HostInfo/HostName`. The doc: for Proxy and Mirror the status code is 404.
 */
function parseOriginConfiguration(body: string): OriginRule[] {
  const configuration = parseXmlBody(body).OriginConfiguration as { OriginRule?: unknown } | undefined;
  const rules = list(configuration?.OriginRule) as Record<string, Record<string, unknown> | undefined>[];
  if (!configuration || rules.length === 0) throw new CosError("MalformedXML", "OriginConfiguration has no OriginRule");
  return rules
    .map((rule, index): OriginRule => {
      const type = text(rule.OriginType);
      if (type === "Redirect" || type === "Proxy")
        throw new CosError("NotImplemented", `the local cloud serves only Mirror origin rules, not ${type}`);
      if (type !== "Mirror")
        throw new CosError("MalformedXML", `OriginType must be Redirect, Proxy or Mirror, got ${type}`);
      const condition = rule.OriginCondition ?? {};
      if (text(condition.HTTPStatusCode) !== "404")
        throw new CosError("InvalidArgument", "a Mirror rule's OriginCondition/HTTPStatusCode must be 404");
      const hostName = text((rule.OriginInfo?.HostInfo as Record<string, unknown> | undefined)?.HostName);
      if (hostName === "") throw new CosError("MalformedXML", "OriginInfo/HostInfo/HostName is required");
      const parameter = rule.OriginParameter ?? {};
      const protocol = text(parameter.Protocol) || "HTTP";
      if (!PROTOCOLS.includes(protocol as OriginRule["protocol"]))
        throw new CosError("MalformedXML", `OriginParameter/Protocol must be HTTP, HTTPS or FOLLOW, got ${protocol}`);
      const priority = rule.RulePriority === undefined ? index + 1 : Number(rule.RulePriority);
      if (!Number.isInteger(priority)) throw new CosError("MalformedXML", "RulePriority must be an integer");
      return {
        priority,
        type: "Mirror",
        prefix: text(condition.Prefix),
        hostName,
        protocol: protocol as OriginRule["protocol"],
        followQueryString: text(parameter.FollowQueryString) === "true",
      };
    })
    .sort((a, b) => a.priority - b.priority);
}

/** PUT Bucket origin: `PUT /?origin` (doc 436/52813); replaces the bucket's rules. */
export async function putBucketOrigin(context: RequestContext): Promise<void> {
  const rules = parseOriginConfiguration(await readText(context.req));
  await context.options.store.setOrigin(bucketName(context), rules);
  sendEmpty(context.res, 200);
}

/**
 * GET Bucket origin: `GET /?origin` (doc 436/52814), the rules as set. A bucket without rules answers 404
 * `NoSuchOriginConfiguration` (the code is *chosen*: COS's doc names none for this case).
 */
export async function getBucketOrigin(context: RequestContext): Promise<void> {
  const rules = context.options.store.getBucket(bucketName(context))?.origin;
  if (!rules) throw new CosError("NoSuchOriginConfiguration", "the bucket has no origin-pull configuration");
  sendXml(context.res, 200, [
    "OriginConfiguration",
    rules.map(
      (rule): XmlNode => [
        "OriginRule",
        [
          ["RulePriority", rule.priority],
          ["OriginType", rule.type],
          [
            "OriginCondition",
            [
              ["HTTPStatusCode", "404"],
              ["Prefix", rule.prefix],
            ],
          ],
          [
            "OriginParameter",
            [
              ["Protocol", rule.protocol],
              ["FollowQueryString", rule.followQueryString],
            ],
          ],
          ["OriginInfo", [["HostInfo", [["HostName", rule.hostName]]]]],
        ],
      ],
    ),
  ]);
}

/** DELETE Bucket origin: `DELETE /?origin` (doc 436/52815); 204. */
export async function deleteBucketOrigin(context: RequestContext): Promise<void> {
  await context.options.store.setOrigin(bucketName(context), undefined);
  sendEmpty(context.res, 204);
}

/**
 * Origin pull (Mirror, doc 436/52813 and the origin-pull overview 436/13310): a GET of a key that does not exist,
 * under a rule's prefix, fetches `/<key>` from the rule's origin; a 200 from the origin is stored as the object
 * (its Content-Type, else the key's; `Cache-Control` and the like kept), emits `cos:ObjectCreated:Origin` and is
 * served. Anything else from the origin, or no origin answering, leaves the key missing (the caller answers 404).
 */
export async function pullFromOrigin(context: RequestContext): Promise<StoredObject | undefined> {
  const { key, options, req } = context;
  const rule = options.store.getBucket(bucketName(context))?.origin?.find((rule) => key.startsWith(rule.prefix));
  if (!rule) return undefined;
  const rawQuery = (req.url ?? "").includes("?") ? (req.url ?? "").slice((req.url ?? "").indexOf("?")) : "";
  const path = `/${key.split("/").map(encodeURIComponent).join("/")}${rule.followQueryString ? rawQuery : ""}`;
  const response = await fetchOrigin(rule, path, options.self());
  if (!response) return undefined;
  if (response.statusCode !== 200) {
    response.resume();
    return undefined;
  }
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = response.headers[name];
    if (typeof value === "string" && value !== "") headers[name] = value;
  }
  const length = response.headers["content-length"];
  const object = await options.store.put(
    bucketName(context),
    key,
    response,
    {
      contentType: storedContentType(response.headers["content-type"], key),
      headers,
      meta: {},
      storageClass: "STANDARD",
      tags: [],
    },
    length === undefined ? {} : { expectedBytes: Number(length) },
  );
  await emit(context, "Origin", object);
  return object;
}

const COS_HOST = /^[a-z0-9][a-z0-9-]*-\d+\.cos\.[a-z0-9-]+\.myqcloud\.com(?::\d+)?$/i;

/**
 * GETs `path` from the rule's origin; `undefined` when the origin cannot be reached. An origin that is a COS
 * host (`<bucket>.cos.<region>.myqcloud.com`, another bucket's default domain) is this local cloud, so it is
 * asked here, with that Host, unsigned (the source must be public-read), and never on the network.
 */
function fetchOrigin(
  rule: OriginRule,
  path: string,
  self: { host: string; port: number },
): Promise<IncomingMessage | undefined> {
  const local = COS_HOST.test(rule.hostName);
  const request = rule.protocol === "HTTPS" && !local ? httpsRequest : httpRequest;
  const scheme = rule.protocol === "HTTPS" && !local ? "https" : "http";
  const url = local ? `http://${self.host}:${self.port}${path}` : `${scheme}://${rule.hostName}${path}`;
  return new Promise((resolve) => {
    const headers = local ? { host: rule.hostName.replace(/:\d+$/, "") } : {};
    const req = request(url, { method: "GET", timeout: 10_000, headers }, resolve);
    req.on("timeout", () => req.destroy(new Error("origin timed out")));
    req.on("error", () => resolve(undefined));
    req.end();
  });
}
