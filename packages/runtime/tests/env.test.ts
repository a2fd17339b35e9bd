import { describe, expect, it } from "vitest";
import { ConfigError, EnvReader, parseBytes } from "../src/index.ts";

describe("parseBytes", () => {
  it.each([
    ["65536", 65536],
    ["512KB", 512 * 1024],
    ["10MB", 10 * 1024 ** 2],
    ["10 mb", 10 * 1024 ** 2],
    ["1.5GiB", 1.5 * 1024 ** 3],
    ["2GB", 2 * 1024 ** 3],
    ["1T", 1024 ** 4],
  ])("%s is %d bytes", (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it.each(["", "MB", "ten", "-1MB", "10XB", "1e3"])("refuses %j", (text) => {
    expect(parseBytes(text)).toBeUndefined();
  });
});

describe("EnvReader", () => {
  const env = new EnvReader({
    NAME: " extracted/ ",
    EMPTY: "  ",
    COUNT: "42",
    BAD_COUNT: "4.2",
    FLAG: "yes",
    BAD_FLAG: "maybe",
    LIST: "__MACOSX/, .DS_Store,,",
    MODE: "Skip",
    SIZE: "512MB",
    BAD_SIZE: "lots",
  });

  it("reads each type, trimming and treating empty as unset", () => {
    expect(env.string("NAME", { required: true })).toBe("extracted/");
    expect(env.string("EMPTY", { default: "d" })).toBe("d");
    expect(env.optional("EMPTY")).toBeUndefined();
    expect(env.int("COUNT", { default: 0, min: 1, max: 100 })).toBe(42);
    expect(env.bool("FLAG", { default: false })).toBe(true);
    expect(env.list("LIST", { default: [] })).toEqual(["__MACOSX/", ".DS_Store"]);
    expect(env.oneOf("MODE", ["overwrite", "skip", "fail"], { default: "overwrite" })).toBe("skip");
    expect(env.bytes("SIZE", { default: 0 })).toBe(512 * 1024 ** 2);
    expect(env.bytes("UNSET", { default: 7 })).toBe(7);
  });

  it.each([
    [() => env.string("MISSING", { required: true }), "MISSING is required: expected a value"],
    [() => env.int("BAD_COUNT", { default: 1 }), 'BAD_COUNT="4.2": expected an integer from'],
    [() => env.int("COUNT", { default: 1, max: 10 }), 'COUNT="42": expected an integer from -9007199254740991 to 10'],
    [() => env.bool("BAD_FLAG", { default: false }), 'BAD_FLAG="maybe": expected true or false'],
    [() => env.oneOf("NAME", ["a", "b"], { default: "a" }), 'NAME="extracted/": expected one of a, b'],
    [() => env.bytes("BAD_SIZE", { default: 1 }), 'BAD_SIZE="lots": expected a size like 512KB, 10MB or 2GB'],
  ])("fails with a ConfigError naming the variable, the value and the form (%#)", (read, message) => {
    let caught: unknown;
    try {
      read();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toContain(message);
    expect((caught as ConfigError).retryable).toBe(false);
    expect((caught as ConfigError).code).toBe("CONFIG_ERROR");
  });
});
