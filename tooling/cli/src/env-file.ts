import { CommandError } from "./io.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The variables an `--env-file` gives one function, in SAM's `--env-vars` JSON shape or as dotenv.
 *
 * JSON: `{"Parameters": {...}, "<function>": {...}}`, where `<function>` is the name in serverless.yml or the
 * folder's name; as in SAM, the function's own entries win over `Parameters`. Values must be strings, numbers
 * or booleans. Dotenv: `NAME=value` lines, `export` allowed, `#` comments, values in single quotes taken as
 * they are, in double quotes with \n, \t, \" and \\ escapes.
 */
export function readEnvFile(file: string, text: string, names: readonly string[]): Record<string, string> {
  return text.trimStart().startsWith("{") ? fromSamJson(file, text, names) : fromDotenv(file, text);
}

function fromSamJson(file: string, text: string, names: readonly string[]): Record<string, string> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new CommandError(`${file}: not valid JSON (${(cause as Error).message})`);
  }
  if (!isObject(document))
    throw new CommandError(`${file}: expected an object of {"Parameters": {...}, "<function>": {...}}`);
  const own = names.find((name) => name in document);
  const out: Record<string, string> = {};
  for (const section of ["Parameters", ...(own ? [own] : [])]) {
    const values = document[section];
    if (values === undefined) continue;
    if (!isObject(values)) throw new CommandError(`${file}: ${section}: expected an object of NAME: value`);
    for (const [name, value] of Object.entries(values)) {
      if (!["string", "number", "boolean"].includes(typeof value)) {
        throw new CommandError(`${file}: ${section}.${name}: expected a string, number or boolean`);
      }
      out[name] = String(value);
    }
  }
  return out;
}

function fromDotenv(file: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    const name = match?.[1];
    if (!match || !name || !NAME.test(name)) {
      throw new CommandError(`${file}:${index + 1}: expected NAME=value, got ${JSON.stringify(raw)}`);
    }
    out[name] = dotenvValue(match[2] as string);
  }
  return out;
}

function dotenvValue(text: string): string {
  if (text.startsWith("'") && text.endsWith("'") && text.length >= 2) return text.slice(1, -1);
  if (text.startsWith('"') && text.endsWith('"') && text.length >= 2) {
    return text.slice(1, -1).replace(/\\([nt"\\])/g, (_, c: string) => ({ n: "\n", t: "\t" })[c] ?? c);
  }
  return text.replace(/\s+#.*$/, "");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
