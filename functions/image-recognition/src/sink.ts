import type { Sidecar } from "./sidecar.ts";

/**
 * Where a result also goes, besides the sidecar: a row in a database, a message on a queue. Called once per
 * result written (rejections included), after the sidecar; a failure fails the record (retried when retryable),
 * so a sink must accept the same result twice (upsert on bucket, key and ETag).
 */
export interface ResultSink {
  write(result: Sidecar): Promise<void>;
}
