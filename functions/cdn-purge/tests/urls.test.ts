import { describe, expect, it } from "vitest";
import { encodeSegment, type PurgeTargets, targetsFor, type UrlConfig } from "../src/urls.ts";

const base: UrlConfig = {
  domains: ["https://static.example.com"],
  stripKeyPrefix: "",
  urlPathPrefix: "/",
  indexDocuments: ["index.html"],
  queryVariants: [],
  ignoreQuery: true,
  urlEncoding: "rfc3986",
  prefetchSuffixes: [],
};
const config = (change: Partial<UrlConfig> = {}): UrlConfig => ({ ...base, ...change });
const urls = (key: string, change: Partial<UrlConfig> = {}, kind: "created" | "removed" = "created") =>
  (targetsFor(key, kind, config(change)) as PurgeTargets).urls;

describe("keys in URLs: COS's own encoding of each path segment (RFC 3986, unreserved kept)", () => {
  it.each([
    ["a.png", "a.png"],
    ["a b.png", "a%20b.png"],
    ["a+b.png", "a%2Bb.png"],
    ["100%.txt", "100%25.txt"],
    ["#1.txt", "%231.txt"],
    ["what?.txt", "what%3F.txt"],
    ["测试.txt", "%E6%B5%8B%E8%AF%95.txt"],
    ["~user-1_x.y", "~user-1_x.y"],
    ["!'()*.txt", "%21%27%28%29%2A.txt"],
    ["emoji-😀", "emoji-%F0%9F%98%80"],
  ])("%s -> %s", (segment, encoded) => {
    expect(encodeSegment(segment, "rfc3986")).toBe(encoded);
  });

  it.each([
    ["测试 1.txt", "测试%201.txt"],
    ["a+b", "a%2Bb"],
  ])("with URL_ENCODING=cdn, characters beyond ASCII stay for the API to encode: %s -> %s", (segment, encoded) => {
    expect(encodeSegment(segment, "cdn")).toBe(encoded);
  });

  it("keeps the folders' slashes and encodes each segment", () => {
    expect(urls("photos/2026 春/a+b.jpg")).toEqual(["https://static.example.com/photos/2026%20%E6%98%A5/a%2Bb.jpg"]);
  });
});

describe("from an object to its URLs", () => {
  it.each<[string, string, Partial<UrlConfig>, string[]]>([
    ["one domain", "img/a.png", {}, ["https://static.example.com/img/a.png"]],
    [
      "every domain of the bucket",
      "img/a.png",
      { domains: ["https://static.example.com", "http://cdn.example.org"] },
      ["https://static.example.com/img/a.png", "http://cdn.example.org/img/a.png"],
    ],
    [
      "an origin path prefix stripped",
      "site/img/a.png",
      { stripKeyPrefix: "site/" },
      ["https://static.example.com/img/a.png"],
    ],
    [
      "a URL path prefix added",
      "img/a.png",
      { urlPathPrefix: "/assets/" },
      ["https://static.example.com/assets/img/a.png"],
    ],
    [
      "an index document purges its folder with and without the slash",
      "docs/index.html",
      {},
      [
        "https://static.example.com/docs/index.html",
        "https://static.example.com/docs/",
        "https://static.example.com/docs",
      ],
    ],
    [
      "the root index document purges the root once",
      "index.html",
      {},
      ["https://static.example.com/index.html", "https://static.example.com/"],
    ],
    [
      "other index documents when configured",
      "docs/default.htm",
      { indexDocuments: ["index.html", "default.htm"] },
      [
        "https://static.example.com/docs/default.htm",
        "https://static.example.com/docs/",
        "https://static.example.com/docs",
      ],
    ],
    [
      "a file named like an index document elsewhere is not one",
      "docs/index.html.bak",
      {},
      ["https://static.example.com/docs/index.html.bak"],
    ],
    [
      "query variants for domains that cache by query",
      "img/a.png",
      { ignoreQuery: false, queryVariants: ["imageMogr2/thumbnail/200x", "w=100"] },
      [
        "https://static.example.com/img/a.png",
        "https://static.example.com/img/a.png?imageMogr2/thumbnail/200x",
        "https://static.example.com/img/a.png?w=100",
      ],
    ],
    [
      "domains that ignore query strings are purged once per path",
      "img/a.png",
      { ignoreQuery: true, queryVariants: ["imageMogr2/thumbnail/200x"] },
      ["https://static.example.com/img/a.png"],
    ],
  ])("%s", (_name, key, change, expected) => {
    expect(urls(key, change)).toEqual(expected);
  });

  it("a removed folder becomes a prefix purge of everything under it", () => {
    expect(
      targetsFor("img/old/", "removed", config({ domains: ["https://a.example.com", "https://b.example.com"] })),
    ).toEqual({
      urls: [],
      prefixes: ["https://a.example.com/img/old/", "https://b.example.com/img/old/"],
      prefetch: [],
    });
  });

  it.each<[string, string, "created" | "removed", Partial<UrlConfig>, string]>([
    [
      "a key outside the stripped prefix",
      "private/a.png",
      "created",
      { stripKeyPrefix: "site/" },
      'the key is not under STRIP_KEY_PREFIX "site/"',
    ],
    ["a created folder marker", "img/new/", "created", {}, "a folder marker: nothing is served at its URL"],
  ])("skips %s", (_name, key, kind, change, reason) => {
    expect(targetsFor(key, kind, config(change))).toEqual({ skip: reason });
  });

  it("prefetches created objects with the chosen suffixes, once per domain, never removed ones", () => {
    const change = { prefetchSuffixes: [".html"], domains: ["https://a.example.com", "https://b.example.com"] };
    expect((targetsFor("docs/Page.HTML", "created", config(change)) as PurgeTargets).prefetch).toEqual([
      "https://a.example.com/docs/Page.HTML",
      "https://b.example.com/docs/Page.HTML",
    ]);
    expect((targetsFor("docs/page.html", "removed", config(change)) as PurgeTargets).prefetch).toEqual([]);
    expect((targetsFor("img/a.png", "created", config(change)) as PurgeTargets).prefetch).toEqual([]);
  });
});
