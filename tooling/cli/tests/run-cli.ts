import { Readable, Writable } from "node:stream";
import { main } from "../src/main.ts";

/** Runs the CLI in-process with the given standard input; returns its exit status and output. */
export async function runCli(
  argv: string[],
  stdin: string | Buffer = "",
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number; stdout: string; stderr: string; stdoutBytes: Buffer }> {
  const out: Buffer[] = [];
  let stdout = "";
  let stderr = "";
  const status = await main(
    argv,
    {
      stdin: Readable.from([Buffer.from(stdin)]),
      stdout: new Writable({
        write(chunk: Buffer | string, _encoding, callback) {
          const bytes = Buffer.from(chunk);
          out.push(bytes);
          stdout += bytes.toString();
          callback();
        },
      }),
      stderr: { write: (text: string) => (stderr += text) },
    },
    env,
  );
  return { status, stdout, stderr, stdoutBytes: Buffer.concat(out) };
}
