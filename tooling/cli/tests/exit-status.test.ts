import { describe, expect, it } from "vitest";
import { runBin } from "./run-bin.ts";

// Every case runs the real executable, as a user would: exit status, standard output and standard error.
describe("cosfn exit statuses and usage", { timeout: 60_000 }, () => {
  it("--version prints the package's version and exits 0", async () => {
    const result = await runBin(["--version"]);
    expect(result).toMatchObject({ status: 0, stdout: "cosfn 0.1.0\n", stderr: "" });
  });

  it("--help documents the exit statuses and help <command>; no command at all is a usage error", async () => {
    const help = await runBin(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("cosfn help <command>");
    expect(help.stdout).toMatch(/Exit status:\n {2}0 {2}done\n {2}1 {2}failed.*\n {2}2 {2}usage error/);
    const bare = await runBin([]);
    expect(bare).toMatchObject({ status: 2, stdout: "" });
    expect(bare.stderr).toContain("Usage: cosfn <command>");
  });

  it("help <command> prints that command's help, the same as <command> --help", async () => {
    const viaHelp = await runBin(["help", "invoke"]);
    const viaFlag = await runBin(["invoke", "--help"]);
    expect(viaHelp.status).toBe(0);
    expect(viaHelp.stdout).toMatch(/^Usage: cosfn invoke/);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toContain("Exit status:");
    const unknown = await runBin(["help", "explode"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('cosfn help: unknown command "explode"');
  });

  it.each(["event", "parse", "dev", "cos", "new", "build", "bench", "invoke"])(
    "%s --help states the exit statuses",
    async (command) => {
      const result = await runBin([command, "--help"]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: cosfn ${command}`));
      expect(result.stdout).toMatch(/Exit status:\n(?: {2}.*\n)*? {2}2 /);
    },
  );

  it.each([
    ["event", ["cos:ObjectCreated:Put", "--bucket", "b-1", "--region", "gz", "--key", "k", "--colour", "red"]],
    ["parse", ["--colour", "-"]],
    ["dev", ["--colour"]],
    ["cos", ["ls", "--colour"]],
    ["new", ["x", "--colour"]],
    ["build", ["--colour"]],
    ["bench", ["--colour"]],
    ["bench", ["local-cloud-put-get", "--colour", "red"]],
    ["invoke", ["hello", "--event", "-", "--colour"]],
  ])("%s refuses an unknown option with exit 2 %j", async (command, args) => {
    const result = await runBin([command, ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--colour/);
    expect(result.stderr).toContain(`Run "cosfn ${command} --help" for usage.`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("bench refuses a scenario option the named scenario does not take, naming what it takes", async () => {
    const result = await runBin(["bench", "local-cloud-put-get", "--samples", "3"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "unknown option --samples for local-cloud-put-get (local-cloud-put-get takes --size --runs --small --console)",
    );
  });

  it("an unknown command exits 2, naming it", async () => {
    const result = await runBin(["explode"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cosfn: unknown command "explode"');
  });
});

describe("cosfn event --list", { timeout: 60_000 }, () => {
  it("prints the twelve event names with what each means", async () => {
    const result = await runBin(["event", "--list"]);
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(12);
    expect(lines.map((line) => line.trim().split(/\s+/)[0])).toEqual([
      "cos:ObjectCreated:*",
      "cos:ObjectCreated:Put",
      "cos:ObjectCreated:Post",
      "cos:ObjectCreated:Copy",
      "cos:ObjectCreated:CompleteMultipartUpload",
      "cos:ObjectCreated:Origin",
      "cos:ObjectCreated:Replication",
      "cos:ObjectRemove:*",
      "cos:ObjectRemove:Delete",
      "cos:ObjectRemove:DeleteMarkerCreated",
      "cos:ObjectRestore:Post",
      "cos:ObjectRestore:Completed",
    ]);
    expect(result.stdout).toMatch(/cos:ObjectRemove:DeleteMarkerCreated\s+a delete marker created/);
  });

  it.each([
    ["ObjectCreated:Put", "is not a COS event name"],
    ["cos:ObjectCreated:Foo", "is not a COS event name"],
    ["cos:ObjectRemoved:Delete", "is not a COS event name"],
    ["cos:ObjectCreated:*", "is a trigger pattern, not an event"],
  ])("refuses %s with the list, exit 2, no event printed", async (name, why) => {
    const result = await runBin(["event", name, "--bucket", "b-1250000000", "--region", "gz", "--key", "k"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`"${name}" ${why}; one of:`);
    expect(result.stderr).toContain("cos:ObjectRestore:Completed");
  });
});
