#!/usr/bin/env -S node --initial-old-space-size=64
// Runs the TypeScript source directly: workspace packages export their source, so there is no build step.
// The option on the first line is the local cloud's (LOCAL_CLOUD_NODE_FLAGS in @cosfn/local-cloud, which says why):
// `cosfn dev` hosts the local cloud in this process. `env -S` splits it from `node`.
import { register } from "tsx/esm/api";

// A reader that stops early (`cosfn cos cat ... | head -c 10`) closes the pipe: end quietly, with the status
// of a process that SIGPIPE ended (128 + 13), as cat or ls would.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(141);
  throw error;
});

register();
const { main } = await import("../src/main.ts");
const status = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
// A command that failed is over: leave even if something it started (a server, a socket) is still open, once
// everything written to standard output and error is out (a pipe takes a large result in several writes).
process.exitCode = status;
if (status !== 0) {
  let pending = 2;
  const leave = () => {
    if (--pending === 0) process.exit(status);
  };
  process.stdout.write("", leave);
  process.stderr.write("", leave);
}
