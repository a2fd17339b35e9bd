import { Redactor } from "./redact.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Where each line goes. Default: stdout (SCF's log). */
  write?: (line: string) => void;
  /** What it masks. Default: signatures, keys and tokens in any text, fields named like secrets. */
  redactor?: Redactor;
}

/**
 * One JSON object per line, on stdout (SCF's log), with credentials, signatures and secret values masked at
 * any depth. A field that cannot be serialized (a BigInt, a cycle) never makes a line fail.
 */
export class Logger {
  readonly #fields: Record<string, unknown>;
  readonly #level: LogLevel;
  readonly #write: (line: string) => void;
  readonly #redactor: Redactor;

  /** `new Logger(fields, options)`, or `new Logger(fields, level, write)`. */
  constructor(
    fields: Record<string, unknown> = {},
    levelOrOptions: LogLevel | LoggerOptions = {},
    write?: (line: string) => void,
  ) {
    const options: LoggerOptions =
      typeof levelOrOptions === "string" ? { level: levelOrOptions, ...(write && { write }) } : levelOrOptions;
    this.#fields = fields;
    this.#level = options.level ?? "info";
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    this.#redactor = options.redactor ?? new Redactor();
  }

  /** A logger that adds these fields to every line. */
  child(fields: Record<string, unknown>): Logger {
    return new Logger(
      { ...this.#fields, ...fields },
      { level: this.#level, write: this.#write, redactor: this.#redactor },
    );
  }

  log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    if (LEVELS[level] < LEVELS[this.#level]) return;
    const line = this.#redactor.value({ time: new Date().toISOString(), level, message, ...this.#fields, ...fields });
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
