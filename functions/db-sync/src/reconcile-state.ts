import { type CosClient, CosRequestError } from "@cosfn/cos";

/** Where an unfinished reconcile pass stopped, kept between timer invocations. */
export interface ReconcileState {
  /** The last key compared (exclusive start of the next invocation); null: start a new pass. */
  after: string | null;
  /** When the unfinished pass began (ISO), for the report; null between passes. */
  passStartedAt: string | null;
  /** With RECONCILE_SOURCE=inventory: the manifest of the report the unfinished pass reads, so it resumes on it. */
  report?: string | null;
}

/** The state object's key: one per table, so two deployments on one bucket keep separate markers. */
export function stateKey(statePrefix: string, table: string): string {
  return `${statePrefix}reconcile/${table}.json`;
}

/** The saved state, or null when there is none (or it cannot be read as one: a new pass starts). */
export async function readState(cos: CosClient, bucket: string, key: string): Promise<ReconcileState | null> {
  let body: Buffer;
  try {
    body = await cos.readBuffer(bucket, key);
  } catch (error) {
    if (error instanceof CosRequestError && (error.statusCode === 404 || error.code === "NoSuchKey")) return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(body.toString("utf8")) as Partial<ReconcileState>;
    return {
      after: typeof parsed.after === "string" ? parsed.after : null,
      passStartedAt: typeof parsed.passStartedAt === "string" ? parsed.passStartedAt : null,
      report: typeof parsed.report === "string" ? parsed.report : null,
    };
  } catch {
    return null;
  }
}

/** Saves the state (a small JSON object written with the function's writer marker). */
export async function writeState(cos: CosClient, bucket: string, key: string, state: ReconcileState): Promise<void> {
  await cos.writeObject({
    bucket,
    key,
    body: JSON.stringify(state),
    contentType: "application/json",
  });
}
