import { CosfnError } from "@cosfn/runtime";
import type { PurgeFailure } from "./providers/types.ts";

/**
 * Targets of a record or a flush that could not be purged: the first failure's code, retryable when any failure is
 * (SCF's retry then purges them), and a message that lists them with what the API said and what to do.
 */
export class PurgeFailedError extends CosfnError {
  override readonly name = "PurgeFailedError";
  readonly failures: readonly PurgeFailure[];
  constructor(failures: readonly PurgeFailure[]) {
    const first = failures[0];
    const shown = failures
      .slice(0, 3)
      .map((failure) => `${failure.target}: ${failure.code}: ${failure.message}`)
      .join("; ");
    const more = failures.length > 3 ? ` (and ${failures.length - 3} more)` : "";
    super(first?.code ?? "PURGE_FAILED", `${failures.length} targets not purged: ${shown}${more}`, {
      retryable: failures.some((failure) => failure.retryable),
    });
    this.failures = failures;
  }
}
