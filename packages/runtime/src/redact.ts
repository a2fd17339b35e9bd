/** Query parameters and `name=value` pairs whose values are secrets: signatures, keys, tokens. */
const SECRET_PARAMS =
  /([?&;,\s"']|^)((?:q-signature|q-ak|sign|signature|x-cos-security-token|x-tc-token|security-token|token|secretkey|secret_key|secretid|secret_id|password|sessiontoken)\s*[=:]\s*)[^&\s"',;]*/gi;
/** `q-sign-algorithm=sha1&...`: a whole COS Authorization value. */
const COS_AUTHORIZATION = /(q-sign-algorithm=sha1&)[^\s"]*/gi;
/** `TC3-HMAC-SHA256 Credential=...`: a Cloud API 3.0 Authorization value. */
const TC3_AUTHORIZATION = /(TC3-HMAC-SHA256 Credential=)[^\s"]*/g;
/** A Tencent Cloud SecretId. */
const SECRET_ID = /AKID[A-Za-z0-9]{8,}/g;
/** The password of a connection URL: `postgres://user:password@host`. */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]+:)[^@/\s]+@/gi;
/** Field names whose values are secrets, wherever they are in a logged object. */
const SECRET_FIELDS =
  /^(authorization|x-cos-security-token|x-tc-token|.*secret.*|.*token.*|.*password.*|.*passwd.*|.*credential.*|private_?key)$/i;
/** Environment variables whose values are secrets: masked wherever their values appear in text. */
const SECRET_ENV = /(SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE_KEY|API_KEY)/i;

const REDACTED = "[redacted]";

/**
 * Masks secrets in logs, error messages and the returned summary: known secret values (the execution role's keys
 * and token, any variable named like a secret), signatures, tokens and keys in free text, passwords in URLs.
 */
export class Redactor {
  readonly #values: string[];

  /** `secrets`: values to mask wherever they appear; values shorter than 6 characters are ignored (too common). */
  constructor(secrets: Iterable<string> = []) {
    this.#values = [...new Set([...secrets].filter((value) => value.length >= 6))].sort((a, b) => b.length - a.length);
  }

  /** A redactor for the secret values of an environment (`TENCENTCLOUD_SECRETKEY`, `ARCHIVE_PASSWORD`...). */
  static fromEnv(env: Record<string, string | undefined> = process.env): Redactor {
    return new Redactor(
      Object.entries(env)
        .filter(([name, value]) => value !== undefined && SECRET_ENV.test(name))
        .map(([, value]) => value as string),
    );
  }

  /** Masks every secret in a text. */
  text(text: string): string {
    let out = text;
    for (const value of this.#values) if (out.includes(value)) out = out.split(value).join(REDACTED);
    return out
      .replace(COS_AUTHORIZATION, `$1${REDACTED}`)
      .replace(TC3_AUTHORIZATION, `$1${REDACTED}`)
      .replace(SECRET_PARAMS, `$1$2${REDACTED}`)
      .replace(URL_PASSWORD, `$1${REDACTED}@`)
      .replace(SECRET_ID, `AKID${REDACTED}`);
  }

  /**
   * A JSON-safe copy of a value with every secret masked, at any depth: fields named like secrets are replaced,
   * strings are masked, errors become `{ name, code, message }`, BigInts become strings, cycles `[Circular]`,
   * functions and symbols are dropped. Never throws, whatever the value (a getter that throws, a Proxy).
   */
  value(value: unknown): unknown {
    return this.#clean(value, new WeakSet());
  }

  #clean(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === "string") return this.text(value);
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
    if (typeof value === "function" || typeof value === "symbol") return undefined;
    if (value === null || typeof value !== "object") return value;
    if (seen.has(value)) return "[Circular]";
    seen.add(value);
    try {
      if (value instanceof Error) {
        const code = (value as { code?: unknown }).code;
        return {
          name: value.name,
          ...(code !== undefined && { code: this.#clean(code, seen) }),
          message: this.text(value.message),
        };
      }
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
      if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
      if (Array.isArray(value)) return value.map((item) => this.#clean(item, seen) ?? null);
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) {
        if (SECRET_FIELDS.test(key)) {
          out[key] = REDACTED;
          continue;
        }
        const cleaned = this.#clean((value as Record<string, unknown>)[key], seen);
        if (cleaned !== undefined) out[key] = cleaned;
      }
      return out;
    } catch {
      return "[unreadable]";
    } finally {
      seen.delete(value);
    }
  }
}

const plain = new Redactor();

/** Masks signatures, keys, tokens and URL passwords in text (signed URLs, Authorization strings). */
export function redact(text: string): string {
  return plain.text(text);
}
