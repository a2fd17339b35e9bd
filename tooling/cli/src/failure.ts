import { CosfnError } from "@cosfn/errors";
import { CommandError } from "./io.ts";

/** What a failure Node reports by code means to the person who ran the command. */
const SYSTEM_CODES: Record<string, string> = {
  ENOENT: "does not exist",
  ENOTDIR: "a file stands where a folder is needed",
  EISDIR: "is a folder, not a file",
  EEXIST: "already exists",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EROFS: "read-only file system",
};

interface SystemError {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  address?: unknown;
  port?: unknown;
  cause?: unknown;
}

/** The Node system error (with a `code` like ECONNREFUSED) behind a failure, following `cause`. */
function systemError(error: unknown): SystemError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === "object"; depth++) {
    const candidate = current as SystemError;
    if (typeof candidate.code === "string" && /^E[A-Z]+$/.test(candidate.code) && candidate.syscall) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

/** The status of a process that wrote to a closed pipe (128 + SIGPIPE), as cat or ls end with. */
export const CLOSED_PIPE = 141;

/** Whether the failure is standard output closed by its reader (`| head -1`): not worth a message. */
export function closedPipe(error: unknown): boolean {
  return systemError(error)?.code === "EPIPE" || (error as { code?: unknown })?.code === "EPIPE";
}

/** The advice for a refused or unreachable connection: which endpoint, and how to start one. */
function connectionAdvice(code: string, env: NodeJS.ProcessEnv): string | undefined {
  if (code === "ECONNREFUSED" && env.COSFN_COS_ENDPOINT) {
    return `nothing answers at COSFN_COS_ENDPOINT=${env.COSFN_COS_ENDPOINT}: start the local cloud with "cosfn dev" (it prints the endpoint to export), or unset COSFN_COS_ENDPOINT to use Tencent Cloud`;
  }
  if (code === "ECONNREFUSED") return 'connection refused: is the local cloud running? Start it with "cosfn dev"';
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return env.COSFN_COS_ENDPOINT
      ? `the host of COSFN_COS_ENDPOINT=${env.COSFN_COS_ENDPOINT} does not resolve`
      : "cannot resolve the COS host: check the network, or set COSFN_COS_ENDPOINT to a local cloud (cosfn dev)";
  }
  return undefined;
}

/**
 * The one-line message for a failure the person running the command can act on (their input, their
 * environment, COS's answer), or undefined for a bug, which is rethrown with its stack.
 */
export function describeFailure(error: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (error instanceof CommandError || error instanceof RangeError) return error.message;
  const cosCode = error instanceof CosfnError ? error.code : undefined;
  const cosAdvice = cosCode ? connectionAdvice(cosCode, env) : undefined;
  if (cosAdvice) return `${(error as Error).message}\n  ${cosAdvice}`;
  const system = systemError(error);
  if (system) {
    const code = system.code as string;
    if (code === "EADDRINUSE") {
      return `port ${String(system.port)} is in use (another "cosfn dev"?): choose another with --port N (npm start -- --port N), or --port 0 for any free port`;
    }
    const advice = connectionAdvice(code, env);
    if (advice) return error instanceof CosfnError ? `${error.message}\n  ${advice}` : advice;
    if (error instanceof CosfnError) return error.message;
    const where = typeof system.path === "string" ? system.path : String(system.syscall);
    return `${where}: ${SYSTEM_CODES[code] ?? (error as Error).message} (${code})`;
  }
  if (error instanceof CosfnError) return error.message;
  return undefined;
}
