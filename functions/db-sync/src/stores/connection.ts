import type { CosfnError } from "@cosfn/errors";
import { WorkFailure } from "./retry.ts";

/** How a network driver checks out, watches, rolls back and returns one connection. */
export interface ConnectionHandling<C> {
  connect(): Promise<C>;
  /** Calls `onLost` when the connection fails while checked out; returns what stops watching. */
  watch(connection: C, onLost: () => void): () => void;
  rollback(connection: C): Promise<void>;
  /** Returns the connection to the pool, or destroys it when it was lost (never reused). */
  release(connection: C, lost: boolean): void;
  /** The store's error for a failure (`lost`: the connection died, so it is a transient DB_CONNECTION). */
  fail(error: unknown, lost: boolean): CosfnError;
}

/**
 * One attempt on one pooled connection, for the PostgreSQL and MySQL drivers: `body` runs the statements (and
 * sets `transaction.open` between BEGIN and COMMIT); on failure an open transaction is rolled back, an error of
 * the caller's `work` passes untouched, and any other is mapped by `fail`; `cleanup` (releasing a named lock)
 * runs on a live connection; a lost connection is destroyed.
 */
export async function onConnection<C, T>(
  handling: ConnectionHandling<C>,
  body: (connection: C, transaction: { open: boolean }) => Promise<T>,
  cleanup?: (connection: C) => Promise<void>,
): Promise<T> {
  let connection: C;
  try {
    connection = await handling.connect();
  } catch (error) {
    throw handling.fail(error, false);
  }
  let lost = false;
  const unwatch = handling.watch(connection, () => {
    lost = true;
  });
  const transaction = { open: false };
  try {
    return await body(connection, transaction);
  } catch (error) {
    if (transaction.open && !lost) {
      try {
        await handling.rollback(connection);
      } catch {
        lost = true;
      }
    }
    if (error instanceof WorkFailure) throw error.error;
    const mapped = handling.fail(error, lost);
    if (mapped.code === "DB_CONNECTION") lost = true;
    throw mapped;
  } finally {
    if (cleanup && !lost) {
      try {
        await cleanup(connection);
      } catch {
        lost = true;
      }
    }
    unwatch();
    handling.release(connection, lost);
  }
}
