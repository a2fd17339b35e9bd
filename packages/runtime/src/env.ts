import { ConfigError } from "./errors.ts";

const UNITS: Record<string, number> = {
  "": 1,
  B: 1,
  K: 1024,
  KB: 1024,
  KIB: 1024,
  M: 1024 ** 2,
  MB: 1024 ** 2,
  MIB: 1024 ** 2,
  G: 1024 ** 3,
  GB: 1024 ** 3,
  GIB: 1024 ** 3,
  T: 1024 ** 4,
  TB: 1024 ** 4,
  TIB: 1024 ** 4,
};

/** Parses `512MB`, `10GB`, `1.5GiB`, `65536` into bytes (binary units: 1 MB = 1024 KB); `undefined` if malformed. */
export function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[(match[2] as string).toUpperCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const value = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(value) ? value : undefined;
}

type Default<T> = { default: T } | { required: true };

/**
 * Reads typed settings from an environment, once, in a function's `config.ts`. Each reader fails with a
 * ConfigError that names the variable, the value and the accepted form. An empty value counts as unset.
 */
export class EnvReader {
  readonly #env: Record<string, string | undefined>;

  constructor(env: Record<string, string | undefined> = process.env) {
    this.#env = env;
  }

  #raw(name: string): string | undefined {
    const value = this.#env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  }

  #get<T>(name: string, options: Default<T>, expected: string, parse: (raw: string) => T | undefined): T {
    const raw = this.#raw(name);
    if (raw === undefined) {
      if ("default" in options) return options.default;
      throw new ConfigError(name, undefined, expected);
    }
    const value = parse(raw);
    if (value === undefined) throw new ConfigError(name, raw, expected);
    return value;
  }

  string(name: string, options: Default<string>): string {
    return this.#get(name, options, "a value", (raw) => raw);
  }

  /** An optional string: `undefined` when unset. */
  optional(name: string): string | undefined {
    return this.#raw(name);
  }

  int(name: string, options: Default<number> & { min?: number; max?: number }): number {
    const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
    return this.#get(name, options, `an integer from ${min} to ${max}`, (raw) => {
      if (!/^-?\d+$/.test(raw)) return undefined;
      const value = Number(raw);
      return value >= min && value <= max ? value : undefined;
    });
  }

  bool(name: string, options: Default<boolean>): boolean {
    return this.#get(name, options, "true or false (also 1/0, yes/no)", (raw) => {
      const lower = raw.toLowerCase();
      if (["true", "1", "yes", "on"].includes(lower)) return true;
      if (["false", "0", "no", "off"].includes(lower)) return false;
      return undefined;
    });
  }

  /** A comma-separated list; items trimmed, empty items dropped. */
  list(name: string, options: Default<string[]>): string[] {
    return this.#get(name, options, "a comma-separated list", (raw) =>
      raw
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
    );
  }

  oneOf<const T extends string>(name: string, values: readonly T[], options: Default<T>): T {
    return this.#get(name, options, `one of ${values.join(", ")}`, (raw) =>
      values.find((value) => value.toLowerCase() === raw.toLowerCase()),
    );
  }

  /** A size in bytes: `65536`, `512KB`, `10MB`, `1.5GB` (binary units). */
  bytes(name: string, options: Default<number> & { min?: number; max?: number }): number {
    const { min = 0, max = Number.MAX_SAFE_INTEGER } = options;
    return this.#get(name, options, `a size like 512KB, 10MB or 2GB (from ${min} bytes)`, (raw) => {
      const value = parseBytes(raw);
      return value !== undefined && value >= min && value <= max ? value : undefined;
    });
  }
}
