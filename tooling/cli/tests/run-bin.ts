import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const bin = fileURLToPath(new URL("../bin/cosfn.js", import.meta.url));

export interface BinResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

/**
 * Runs the real `cosfn` executable as a user would (a process of its own), with the given standard input,
 * environment and working directory; resolves to its exit status and output.
 */
export function runBin(
  args: string[],
  options: { stdin?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<BinResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: options.env ?? process.env,
      ...(options.cwd && { cwd: options.cwd }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.stdin.on("error", () => {}); // a command that exits without reading its input
    child.stdin.end(options.stdin ?? "");
    child.on("error", reject);
    child.on("close", (status, signal) => {
      const stdoutBytes = Buffer.concat(out);
      resolve({ status, signal, stdout: stdoutBytes.toString(), stderr: Buffer.concat(err).toString(), stdoutBytes });
    });
  });
}

/** Runs `cosfn ...` through a shell pipeline, e.g. `| head -c 10`; resolves to the pipeline's statuses. */
export function runPipeline(
  args: string[],
  after: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ statuses: number[]; stdout: string; stderr: string }> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
  const script = `${quoted} 2>"$COSFN_TEST_ERR" | ${after}; echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" >&2`;
  return new Promise((resolve, reject) => {
    const errFile = `${process.env.TMPDIR ?? "/tmp"}/cosfn-pipe-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const child = spawn("bash", ["-c", `${script}; cat "$COSFN_TEST_ERR"; rm -f "$COSFN_TEST_ERR"`], {
      env: { ...env, COSFN_TEST_ERR: errFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", () => {
      const [statusLine = "", ...rest] = stderr.split("\n");
      resolve({ statuses: statusLine.split(" ").map(Number), stdout, stderr: rest.join("\n") });
    });
  });
}
