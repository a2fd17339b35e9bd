import { EnvReader } from "@cosfn/runtime";
import { useTestCloud } from "@cosfn/testing";
import { describe, expect, it, vi } from "vitest";
import { describeDatabaseUrl, loadConfig, parseDuration } from "../src/config.ts";
import { startDbSync } from "./support.ts";

const load = (env: Record<string, string>) => loadConfig(new EnvReader(env));

useTestCloud();

describe("config", () => {
  it("has defaults for everything but DB_URL", () => {
    expect(load({ DB_URL: "pglite:" })).toEqual({
      dbUrl: "pglite:",
      dbKind: "pglite",
      table: "cos_objects",
      history: false,
      keyPrefix: "",
      tls: "off",
      poolSize: 2,
      tombstoneRetentionMs: 7 * 86_400_000,
      reconcileBatch: 1000,
      reconcileBucket: undefined,
      clockSkewMs: 5_000,
      statePrefix: ".cosfn/db-sync/",
      reconcileDetails: "next-pass",
      reconcileSource: "listing",
      inventoryBucket: undefined,
      inventoryPrefix: "",
    });
    expect(() => load({})).toThrow(/DB_URL is required/);
  });

  it("reads every setting", () => {
    const config = load({
      DB_URL: "postgresql://u:p@db:5432/x",
      DB_TABLE: "Objects_2",
      DB_HISTORY: "yes",
      KEY_PREFIX: "data/",
      DB_TLS: "verify",
      DB_POOL_SIZE: "10",
      TOMBSTONE_RETENTION: "12h",
      RECONCILE_BATCH: "50",
      RECONCILE_BUCKET: "examplebucket-1250000000",
      CLOCK_SKEW: "0s",
      RECONCILE_DETAILS: "at-once",
      RECONCILE_SOURCE: "inventory",
      INVENTORY_PREFIX: "inventory/1250000000/examplebucket/daily/",
    });
    expect(config).toMatchObject({
      dbKind: "postgres",
      table: "Objects_2",
      history: true,
      keyPrefix: "data/",
      tls: "verify",
      poolSize: 10,
      tombstoneRetentionMs: 12 * 3_600_000,
      reconcileBatch: 50,
      reconcileBucket: "examplebucket-1250000000",
      clockSkewMs: 0,
      reconcileDetails: "at-once",
      reconcileSource: "inventory",
      // The reports' bucket defaults to the reconciled one.
      inventoryBucket: "examplebucket-1250000000",
      inventoryPrefix: "inventory/1250000000/examplebucket/daily/",
    });
    expect(load({ DB_URL: "mysql://root@127.0.0.1:3306/test" }).dbKind).toBe("mysql");
    expect(load({ DB_URL: "pglite:/tmp/db" }).dbKind).toBe("pglite");
  });

  it("refuses bad values, naming the variable, without the URL's password", () => {
    expect(() => load({ DB_URL: "sqlite://u:hunter2@x/db" })).toThrow(/DB_URL="sqlite:\/\/u:\*\*\*@x\/db"/);
    expect(() => load({ DB_URL: "sqlite://u:hunter2@x/db" })).not.toThrow(/hunter2/);
    expect(() => load({ DB_URL: "pglite:", DB_TABLE: "x; drop table y" })).toThrow(/DB_TABLE/);
    expect(() => load({ DB_URL: "pglite:", DB_TABLE: "1abc" })).toThrow(/DB_TABLE/);
    expect(() => load({ DB_URL: "pglite:", DB_POOL_SIZE: "11" })).toThrow(
      /DB_POOL_SIZE="11": expected an integer from 1 to 10/,
    );
    expect(() => load({ DB_URL: "pglite:", DB_TLS: "maybe" })).toThrow(/DB_TLS/);
    expect(() => load({ DB_URL: "pglite:", TOMBSTONE_RETENTION: "7 days" })).toThrow(/TOMBSTONE_RETENTION/);
    expect(() => load({ DB_URL: "pglite:", RECONCILE_BUCKET: "examplebucket" })).toThrow(/RECONCILE_BUCKET/);
    expect(() => load({ DB_URL: "pglite:", RECONCILE_DETAILS: "never" })).toThrow(/RECONCILE_DETAILS/);
    expect(() => load({ DB_URL: "pglite:", RECONCILE_SOURCE: "inventory" })).toThrow(/INVENTORY_PREFIX/);
    expect(() => load({ DB_URL: "pglite:", INVENTORY_BUCKET: "logs" })).toThrow(/INVENTORY_BUCKET/);
  });

  it("parses durations and masks URL passwords", () => {
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("2w")).toBe(1_209_600_000);
    expect(parseDuration("10")).toBeUndefined();
    expect(describeDatabaseUrl("postgres://user:s3cret@host:5432/db")).toBe("postgres://user:***@host:5432/db");
    expect(describeDatabaseUrl("mysql://root@host/db")).toBe("mysql://root@host/db");
  });

  it("a database that refuses the connection fails the invocation without the password in its error or logs", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const errors = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const failed = await startDbSync({
        DB_URL: "postgres://dbsync:Pa55-w0rd-xyz@127.0.0.1:1/cos",
        COSFN_LOG_LEVEL: "debug",
      }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(Error);
      const message = String((failed as Error).message);
      expect(message).not.toContain("Pa55-w0rd-xyz");
    } finally {
      spy.mockRestore();
      errors.mockRestore();
    }
    expect(lines.join("")).toContain("setup failed");
    expect(lines.join("")).not.toContain("Pa55-w0rd-xyz");
  }, 60_000);
});
