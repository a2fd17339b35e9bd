import { Readable } from "node:stream";
import { main } from "../src/main.ts";

/** Runs the CLI in-process with the given standard input; returns its exit status and output. */
export async function runCli(argv: string[], stdin = ""): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await main(argv, {
    stdin: Readable.from([Buffer.from(stdin)]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { status, stdout, stderr };
}
