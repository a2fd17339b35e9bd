/**
 * Socket and DNS failures that Node reports by `code`: the request may not have reached the server, or its
 * answer was lost on the way; trying again is the cure.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function field(error: unknown, name: string): unknown {
  if (error === null || (typeof error !== "object" && typeof error !== "function")) return undefined;
  try {
    return (error as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/**
 * Whether the request that failed is worth sending again right away (with backoff): the error's own
 * `transient` flag when it has one; else a network failure Node names by code (`ECONNRESET`...). Anything
 * else, unknown errors included, is not: repeating a request that failed for a reason nobody understood
 * only repeats the failure, faster.
 */
export function isTransient(error: unknown): boolean {
  const flag = field(error, "transient");
  if (typeof flag === "boolean") return flag;
  const code = field(error, "code");
  return typeof code === "string" && TRANSIENT_NETWORK_CODES.has(code);
}

/**
 * Whether SCF should retry the invocation: the error's own `retryable` flag when it has one (every cosfn
 * error has); else yes when it is transient; else, for an error nobody classified (a TypeError from a bug,
 * a thrown string), yes as well. Decided once, here: every cosfn function is idempotent, so a retry of
 * an unknown failure costs a repeat of the work that did not finish, and SCF gives up after two retries
 * (then the dead-letter queue); treating it as permanent would drop the event on the first unexplained
 * glitch.
 */
export function isRetryable(error: unknown): boolean {
  const flag = field(error, "retryable");
  if (typeof flag === "boolean") return flag;
  return true;
}

/** The code of any thrown value: its `code` when it is a non-empty string, else its name, else `Error`. */
export function errorCode(error: unknown): string {
  const code = field(error, "code");
  if (typeof code === "string" && code !== "") return code;
  const name = field(error, "name");
  return typeof name === "string" && name !== "" ? name : "Error";
}

/**
 * The message of any thrown value, never throwing itself: an Error's message, a string as it is, a plain or
 * null-prototype object as JSON (or a description of it when it cannot be serialized).
 */
export function errorMessage(error: unknown): string {
  const message = field(error, "message");
  if (typeof message === "string") return message;
  if (typeof error === "string") return error;
  if (error === null || error === undefined) return String(error);
  if (typeof error !== "object") {
    try {
      return String(error);
    } catch {
      return typeof error;
    }
  }
  try {
    return JSON.stringify(error, (_key, value: unknown) => (typeof value === "bigint" ? `${value}n` : value));
  } catch {
    return `a thrown ${Object.getPrototypeOf(error) === null ? "null-prototype object" : "object"} that cannot be serialized`;
  }
}
