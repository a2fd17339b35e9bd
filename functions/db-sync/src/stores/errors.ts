import { CosfnError, errorMessage } from "@cosfn/errors";

/**
 * A failure of the object index store: `code` says what (`DB_CONNECTION`, `DB_CONFLICT`, `DB_TOO_MANY_CONNECTIONS`,
 * `DB_ERROR`, `KEY_TOO_LONG`...), `transient` whether the same transaction tried again now can succeed (a reset
 * or killed connection, a deadlock, a serialization failure, the server's connection limit), which also makes it
 * retryable. The message names the table and never contains the password of the database URL.
 */
export class ObjectStoreError extends CosfnError {
  override readonly name: string = "ObjectStoreError";
  /** The table the failure concerns. */
  readonly table: string;

  constructor(code: string, table: string, message: string, options: { transient?: boolean; cause?: unknown } = {}) {
    super(code, message, {
      transient: options.transient ?? false,
      retryable: options.transient ?? false,
      cause: options.cause,
    });
    this.table = table;
  }
}

/** What a driver decided about one of its errors: a code and whether it is transient. */
export interface ErrorClass {
  code: string;
  transient: boolean;
}

/** The secrets of a database URL that must never appear in a message: its password, raw and decoded. */
export function urlSecrets(url: string): string[] {
  try {
    const password = new URL(url).password;
    if (password === "") return [];
    const decoded = decodeURIComponent(password);
    return [...new Set([url, password, decoded])].filter((secret) => secret.length > 0);
  } catch {
    return [url];
  }
}

/** `text` with every secret replaced by `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}

/**
 * The store's error for a driver failure during `what` (e.g. "withKey on 'a/b.txt'"): classified by the driver's
 * `classify`, named after the table, with the URL's secrets removed from the message. A cosfn error passes as is.
 */
export function storeError(
  error: unknown,
  options: {
    table: string;
    what: string;
    secrets: readonly string[];
    classify: (error: unknown) => ErrorClass;
    /** The connection died while checked out: whatever the error says, a transient `DB_CONNECTION`. */
    connectionLost?: boolean;
  },
): CosfnError {
  if (error instanceof CosfnError) return error;
  const { code, transient } = options.connectionLost
    ? { code: "DB_CONNECTION", transient: true }
    : options.classify(error);
  const detail = redact(errorMessage(error), options.secrets);
  const driverCode = (error as { code?: unknown } | null)?.code;
  const suffix = typeof driverCode === "string" || typeof driverCode === "number" ? ` (${driverCode})` : "";
  return new ObjectStoreError(
    code,
    options.table,
    `table ${options.table}: ${options.what} failed: ${detail}${suffix}`,
    {
      transient,
      cause: error,
    },
  );
}
