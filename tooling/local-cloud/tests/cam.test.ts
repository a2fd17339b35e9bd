import { describe, expect, it } from "vitest";
import { type CamPolicy, CamPolicyError, camAllows, camGrants, policyGrantUnused } from "../src/index.ts";

const OBJ = "qcs::cos:ap-guangzhou:uid/1250000000:examplebucket-1250000000";
const allow = (
  action: string | string[],
  resource: string | string[],
  condition?: CamPolicy["statement"][0]["condition"],
) => ({ effect: "allow", action, resource, ...(condition && { condition }) }) as const;
const deny = (action: string | string[], resource: string | string[]) =>
  ({ effect: "deny", action, resource }) as const;
const policy = (...statement: CamPolicy["statement"]): CamPolicy => ({ version: "2.0", statement });

describe("camAllows", () => {
  it.each([
    // [what, policy, action, resource, context, allowed]
    [
      "an exact grant",
      policy(allow("name/cos:GetObject", `${OBJ}/a.txt`)),
      "name/cos:GetObject",
      `${OBJ}/a.txt`,
      undefined,
      true,
    ],
    ["nothing granted: default deny", policy(), "name/cos:GetObject", `${OBJ}/a.txt`, undefined, false],
    [
      "another action",
      policy(allow("name/cos:GetObject", `${OBJ}/*`)),
      "name/cos:PutObject",
      `${OBJ}/a.txt`,
      undefined,
      false,
    ],
    [
      "another resource",
      policy(allow("name/cos:GetObject", `${OBJ}/in/*`)),
      "name/cos:GetObject",
      `${OBJ}/out/a`,
      undefined,
      false,
    ],
    ["* on everything", policy(allow("*", "*")), "name/cos:DeleteObject", `${OBJ}/x`, undefined, true],
    ["cos:* matches every COS action", policy(allow("cos:*", "*")), "name/cos:HeadObject", `${OBJ}/x`, undefined, true],
    ["cos:* is not cdn", policy(allow("cos:*", "*")), "cdn:PurgeUrlsCache", "*", undefined, false],
    [
      "name/cos:Get* matches GetObject",
      policy(allow("name/cos:Get*", "*")),
      "name/cos:GetObject",
      `${OBJ}/x`,
      undefined,
      true,
    ],
    [
      "name/cos:Get* matches GetBucket",
      policy(allow("name/cos:Get*", "*")),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      undefined,
      true,
    ],
    [
      "name/cos:Get* does not match HeadObject",
      policy(allow("name/cos:Get*", "*")),
      "name/cos:HeadObject",
      `${OBJ}/x`,
      undefined,
      false,
    ],
    [
      "name/ is optional in the policy",
      policy(allow("cos:GetObject", "*")),
      "name/cos:GetObject",
      `${OBJ}/x`,
      undefined,
      true,
    ],
    [
      "name/ is optional in the request",
      policy(allow("name/cos:GetObject", "*")),
      "cos:GetObject",
      `${OBJ}/x`,
      undefined,
      true,
    ],
    [
      "actions ignore case",
      policy(allow("name/COS:getobject", "*")),
      "name/cos:GetObject",
      `${OBJ}/x`,
      undefined,
      true,
    ],
    [
      "resources respect case",
      policy(allow("*", `${OBJ}/In/*`)),
      "name/cos:GetObject",
      `${OBJ}/in/a`,
      undefined,
      false,
    ],
    [
      "* in a resource spans slashes",
      policy(allow("*", `${OBJ}/*`)),
      "name/cos:GetObject",
      `${OBJ}/a/b/c.txt`,
      undefined,
      true,
    ],
    [
      "* inside a resource",
      policy(allow("*", `${OBJ}/*.zip`)),
      "name/cos:DeleteObject",
      `${OBJ}/in/a.zip`,
      undefined,
      true,
    ],
    [
      "* inside a resource, no match",
      policy(allow("*", `${OBJ}/*.zip`)),
      "name/cos:DeleteObject",
      `${OBJ}/in/a.zip.txt`,
      undefined,
      false,
    ],
    [
      "regex characters are literal",
      policy(allow("*", `${OBJ}/a.b`)),
      "name/cos:GetObject",
      `${OBJ}/aXb`,
      undefined,
      false,
    ],
    [
      "a list of actions",
      policy(allow(["name/cos:PutObject", "name/cos:GetObject"], "*")),
      "name/cos:GetObject",
      `${OBJ}/x`,
      undefined,
      true,
    ],
    [
      "a list of resources",
      policy(allow("*", [`${OBJ}/a`, `${OBJ}/b`])),
      "name/cos:GetObject",
      `${OBJ}/b`,
      undefined,
      true,
    ],
    [
      "explicit deny wins over allow",
      policy(allow("*", "*"), deny("name/cos:DeleteObject", `${OBJ}/keep/*`)),
      "name/cos:DeleteObject",
      `${OBJ}/keep/a`,
      undefined,
      false,
    ],
    [
      "deny elsewhere does not block",
      policy(allow("*", "*"), deny("name/cos:DeleteObject", `${OBJ}/keep/*`)),
      "name/cos:DeleteObject",
      `${OBJ}/other/a`,
      undefined,
      true,
    ],
    [
      "deny before allow still wins",
      policy(deny("cos:*", "*"), allow("*", "*")),
      "name/cos:GetObject",
      `${OBJ}/x`,
      undefined,
      false,
    ],
    [
      "string_equal cos:prefix holds",
      policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_equal: { "cos:prefix": "in/" } })),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      { "cos:prefix": "in/" },
      true,
    ],
    [
      "string_equal cos:prefix fails",
      policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_equal: { "cos:prefix": "in/" } })),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      { "cos:prefix": "in/sub/" },
      false,
    ],
    [
      "string_equal takes a list",
      policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_equal: { "cos:prefix": ["a/", "b/"] } })),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      { "cos:prefix": "b/" },
      true,
    ],
    [
      "string_like cos:prefix holds",
      policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_like: { "cos:prefix": "in/*" } })),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      { "cos:prefix": "in/sub/" },
      true,
    ],
    [
      "string_like cos:prefix fails",
      policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_like: { "cos:prefix": "in/*" } })),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      { "cos:prefix": "out/" },
      false,
    ],
    [
      "a condition key the request lacks fails",
      policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_like: { "cos:prefix": "*" } })),
      "name/cos:GetBucket",
      `${OBJ}/*`,
      undefined,
      false,
    ],
  ] as const)("%s", (_what, document, action, resource, context, allowed) => {
    expect(camAllows(document, action, resource, context as Record<string, string> | undefined)).toBe(allowed);
  });

  it.each([
    ["an unknown operator", { ip_equal: { "qcs:ip": "10.0.0.1" } }, /condition operator "ip_equal"/],
    ["an unknown key", { string_equal: { "cos:content-type": "image/png" } }, /condition key "cos:content-type"/],
  ])("refuses %s, naming it, instead of ignoring it", (_what, condition, message) => {
    const document = policy(allow("*", "*", condition as never));
    expect(() => camAllows(document, "name/cos:GetObject", `${OBJ}/x`)).toThrow(CamPolicyError);
    expect(() => camAllows(document, "name/cos:GetObject", `${OBJ}/x`)).toThrow(message);
  });

  it.each([
    ["a version other than 2.0", { version: "1.0", statement: [] }, /version must be "2.0"/],
    [
      "an effect in capitals",
      { version: "2.0", statement: [{ effect: "Allow", action: "*", resource: "*" }] },
      /effect/,
    ],
    ["a statement without a resource", { version: "2.0", statement: [{ effect: "allow", action: "*" }] }, /resource/],
    [
      "a principal",
      { version: "2.0", statement: [{ effect: "allow", action: "*", resource: "*", principal: {} }] },
      /principal/,
    ],
  ])("refuses %s", (_what, document, message) => {
    expect(() => camAllows(document as unknown as CamPolicy, "name/cos:GetObject", "*")).toThrow(message);
  });
});

describe("policyGrantUnused and camGrants", () => {
  const document = policy(
    allow(["name/cos:GetObject", "name/cos:HeadObject"], `${OBJ}/*`),
    allow(["name/cos:PutObject", "name/cos:DeleteObject"], `${OBJ}/extracted/*`),
    deny("name/cos:DeleteObject", `${OBJ}/keep/*`),
  );
  const used = [
    { action: "name/cos:GetObject", resource: `${OBJ}/in/a.zip` },
    { action: "name/cos:PutObject", resource: `${OBJ}/extracted/in/a/x.txt` },
  ];

  it("lists every allowed action x resource with the needs that used it; deny statements grant nothing", () => {
    const grants = camGrants(document, used);
    expect(grants.map((g) => [g.statement, g.action, g.resource, g.usedBy.length])).toEqual([
      [0, "name/cos:GetObject", `${OBJ}/*`, 1],
      [0, "name/cos:HeadObject", `${OBJ}/*`, 0],
      [1, "name/cos:PutObject", `${OBJ}/extracted/*`, 1],
      [1, "name/cos:DeleteObject", `${OBJ}/extracted/*`, 0],
    ]);
  });

  it("names the grants no need used, so a test can say what the policy grants beyond what was needed", () => {
    expect(policyGrantUnused(document, used).map((g) => `${g.action} on ${g.resource}`)).toEqual([
      `name/cos:HeadObject on ${OBJ}/*`,
      `name/cos:DeleteObject on ${OBJ}/extracted/*`,
    ]);
    expect(
      policyGrantUnused(document, [...used, { action: "cos:headobject", resource: `${OBJ}/in/a.zip` }]),
    ).toHaveLength(1);
  });

  it("counts a conditional grant as used only by needs that meet its condition", () => {
    const listing = policy(allow("name/cos:GetBucket", `${OBJ}/*`, { string_like: { "cos:prefix": "in/*" } }));
    const outside = [{ action: "name/cos:GetBucket", resource: `${OBJ}/*`, context: { "cos:prefix": "out/" } }];
    const inside = [{ action: "name/cos:GetBucket", resource: `${OBJ}/*`, context: { "cos:prefix": "in/x/" } }];
    expect(policyGrantUnused(listing, outside)).toHaveLength(1);
    expect(policyGrantUnused(listing, inside)).toHaveLength(0);
  });
});
