export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Query parameters and header names whose values are secrets: signatures, keys, tokens. */
const SECRET_PARAMS =
  /([?&;\s](?:q-signature|q-ak|sign|signature|x-cos-security-token|token|secretkey|secretid)=)[^&\s"]*/gi;
const SECRET_FIELDS = /^(authorization|.*secret.*|.*token.*|.*password.*|x-cos-security-token)$/i;

/** Masks signatures, keys and tokens in text (signed URLs, Authorization strings) before it is logged. */
export function redact(text: string): string {
  return text
    .replace(SECRET_PARAMS, "$1[redacted]")
    .replace(/(q-sign-algorithm=sha1&)[^\s"]*/gi, "$1[redacted]")
    .replace(/(TC3-HMAC-SHA256 Credential=)[^\s"]*/g, "$1[redacted]")
    .replace(/AKID[A-Za-z0-9]{8,}/g, "AKID[redacted]");
}

function clean(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redact(value);
  if (value instanceof Error)
    return { name: value.name, message: redact(value.message), code: (value as { code?: unknown }).code };
  if (depth > 4 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_FIELDS.test(key) ? "[redacted]" : clean(item, depth + 1)]),
  );
}

/** One JSON object per line, on stdout (SCF's log), with credentials and signed URLs masked. */
export class Logger {
  readonly #fields: Record<string, unknown>;
  readonly #min: number;
  readonly #write: (line: string) => void;

  constructor(
    fields: Record<string, unknown> = {},
    level: LogLevel = "info",
    write: (line: string) => void = (line) => process.stdout.write(line),
  ) {
    this.#fields = fields;
    this.#min = LEVELS[level];
    this.#write = write;
  }

  /** A logger that adds these fields to every line. */
  child(fields: Record<string, unknown>): Logger {
    const level = (Object.keys(LEVELS) as LogLevel[]).find((l) => LEVELS[l] === this.#min) ?? "info";
    return new Logger({ ...this.#fields, ...fields }, level, this.#write);
  }

  log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    if (LEVELS[level] < this.#min) return;
    const line = clean({ time: new Date().toISOString(), level, message, ...this.#fields, ...fields });
    this.#write(`${JSON.stringify(line)}\n`);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log("debug", message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.log("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.log("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.log("error", message, fields);
  }
}

export function isLogLevel(value: string): value is LogLevel {
  return value in LEVELS;
}
