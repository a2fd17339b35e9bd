import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CosEventError, safeParseCosEvent } from "../src/index.ts";
import { readFixture, validFixtures } from "./fixture-files.ts";

type Json = unknown;
const fixtures = validFixtures.map(([folder, variant]) => readFixture(folder, variant));

/** Every path to a value inside a JSON document. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) out.push(...paths(item, [...prefix, i]));
  } else if (
    value !== null &&
    typeof value === "object" &&
    [Object.prototype, null].includes(Object.getPrototypeOf(value))
  ) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "undefined";
  } catch {
    // BigInt, cycles, null-prototype objects: any text will do for a mutation.
    return Object.prototype.toString.call(value);
  }
}

type Mutation = { kind: "replace"; value: unknown } | { kind: "delete" } | { kind: "stringify" } | { kind: "wrap" };

function mutate(document: Json, path: (string | number)[], mutation: Mutation): Json {
  if (path.length === 0) {
    if (mutation.kind === "replace") return mutation.value;
    if (mutation.kind === "stringify") return toJsonText(document);
    if (mutation.kind === "wrap") return [document];
    return undefined;
  }
  const copy = structuredClone(document) as Record<string | number, unknown>;
  let parent = copy;
  for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (mutation.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (mutation.kind === "replace") parent[last] = mutation.value;
  else if (mutation.kind === "stringify") parent[last] = toJsonText(parent[last]);
  else parent[last] = [parent[last]];
  return copy;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("replace" as const),
    value: fc.anything({
      withBigInt: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withDate: true,
      withTypedArray: true,
      withSparseArray: true,
      withUnicodeString: true,
    }),
  }),
  fc.record({
    kind: fc.constant("replace" as const),
    value: fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.constantFrom(
        "",
        "%",
        "%E6",
        "/1250000000/examplebucket/",
        "cos:ObjectCreated:Put",
        "gz",
        "ap-guangzhou",
        "-1",
        "1e400",
        "\uD800",
      ),
    ),
  }),
  fc.record({
    kind: fc.constant("replace" as const),
    value: fc.oneof(fc.integer(), fc.double(), fc.constant(Number.NaN), fc.constant(-0)),
  }),
  fc.constant({ kind: "delete" as const }),
  fc.constant({ kind: "stringify" as const }),
  fc.constant({ kind: "wrap" as const }),
);

const mutatedEvent = fc
  .constantFrom(...fixtures)
  .chain((document) =>
    fc.tuple(fc.constant(document), fc.array(fc.tuple(fc.nat(), mutationArb), { minLength: 1, maxLength: 4 })),
  )
  .map(([document, steps]) => {
    let current: Json = document;
    for (const [pick, mutation] of steps) {
      const all = paths(current);
      current = mutate(current, all[pick % all.length] ?? [], mutation);
    }
    return current;
  });

function outcome(input: unknown): "ok" | "error" {
  const result = safeParseCosEvent(input);
  if (result.success) {
    for (const record of result.data) {
      expect(typeof record.key).toBe("string");
      expect(Number.isNaN(record.eventTime.getTime())).toBe(false);
      JSON.stringify({ ...record, raw: undefined });
    }
    return "ok";
  }
  expect(result.error).toBeInstanceOf(CosEventError);
  expect(result.error.issues.length).toBeGreaterThan(0);
  expect(result.error.message).toMatch(/^\S.*: /);
  return "error";
}

describe("any input gives records or a CosEventError", () => {
  it("holds for 10,000 random mutations of the fixtures", () => {
    const seen = { ok: 0, error: 0 };
    fc.assert(
      fc.property(mutatedEvent, (input) => {
        seen[outcome(input)]++;
      }),
      { numRuns: 10_000 },
    );
    // Both outcomes must occur, or the mutations are not exercising the parser.
    expect(seen.ok).toBeGreaterThan(100);
    expect(seen.error).toBeGreaterThan(100);
  }, 120_000);

  it("holds for 2,000 arbitrary values", () => {
    fc.assert(
      fc.property(
        fc.anything({ withBigInt: true, withMap: true, withNullPrototype: true, withDate: true }),
        (input) => {
          expect(outcome(input)).toBe("error");
        },
      ),
      { numRuns: 2_000 },
    );
  }, 60_000);
});
