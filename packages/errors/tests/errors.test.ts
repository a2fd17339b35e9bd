import { describe, expect, test } from "vitest";
import {
  CosfnError,
  errorCode,
  errorMessage,
  isRetryable,
  isTransient,
  PermanentError,
  RetryableError,
} from "../src/index.ts";

describe("error classes", () => {
  test("carry code, retryable, transient and cause", () => {
    const cause = new Error("socket hang up");
    const error = new RetryableError("UPSTREAM", "the service did not answer", { cause, transient: true });
    expect(error).toBeInstanceOf(CosfnError);
    expect(error).toMatchObject({ code: "UPSTREAM", retryable: true, transient: true, name: "RetryableError" });
    expect(error.cause).toBe(cause);
    const permanent = new PermanentError("CORRUPT", "bad bytes at offset 4", { cause });
    expect(permanent).toMatchObject({ code: "CORRUPT", retryable: false, transient: false });
    expect(permanent.cause).toBe(cause);
  });

  test("a transient error is always retryable", () => {
    expect(new CosfnError("X", "x", { transient: true, retryable: false }).retryable).toBe(true);
  });
});

describe("isTransient: retry the request now", () => {
  test.each([
    ["a transient cosfn error", new RetryableError("A", "a", { transient: true }), true],
    ["a retryable, not transient error (the deadline)", new RetryableError("DEADLINE", "late"), false],
    ["a permanent error", new PermanentError("P", "p"), false],
    ["a Node socket reset", Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }), true],
    ["a DNS hiccup", Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" }), true],
    ["an SDK error flagged transient", { code: "SlowDown", transient: true }, true],
    ["an unknown Error", new TypeError("x is undefined"), false],
    ["a thrown string", "boom", false],
    ["null", null, false],
    ["a null-prototype object", Object.create(null), false],
  ])("%s", (_name, error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe("isRetryable: let SCF retry the invocation", () => {
  test.each([
    ["a permanent error", new PermanentError("P", "p"), false],
    ["a retryable error", new RetryableError("R", "r"), true],
    ["an error that says retryable: false", { retryable: false }, false],
    ["an unknown Error (decided: retry, functions are idempotent)", new TypeError("bug"), true],
    ["a thrown string", "boom", true],
    ["undefined", undefined, true],
    ["a null-prototype object", Object.create(null), true],
  ])("%s", (_name, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });
});

describe("errorCode and errorMessage never throw", () => {
  test("codes", () => {
    expect(errorCode(new PermanentError("CORRUPT", "x"))).toBe("CORRUPT");
    expect(errorCode(new TypeError("x"))).toBe("TypeError");
    expect(errorCode("boom")).toBe("Error");
    expect(errorCode(Object.create(null))).toBe("Error");
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    expect(errorCode(hostile)).toBe("Error");
    expect(errorMessage(hostile)).toContain("cannot be serialized");
  });

  test("messages of any thrown value", () => {
    expect(errorMessage(new Error("disk full"))).toBe("disk full");
    expect(errorMessage("plain text")).toBe("plain text");
    expect(errorMessage(null)).toBe("null");
    expect(errorMessage(42n)).toBe("42");
    const bare = Object.assign(Object.create(null), { reason: "nope", size: 10n });
    expect(errorMessage(bare)).toBe('{"reason":"nope","size":"10n"}');
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(errorMessage(cycle)).toBe("a thrown object that cannot be serialized");
  });
});
