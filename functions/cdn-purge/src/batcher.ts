import type { CdnProvider, PurgeFailure } from "./providers/types.ts";
import type { PurgeTargets } from "./urls.ts";

/** What happened to one submission's targets. */
export interface SubmissionResult {
  purged: string[];
  prefetched: string[];
  /** Each failed target with its kind, so that quota refusals can be queued as what they were. */
  failed: (PurgeFailure & { kind: "url" | "prefix" | "prefetch" })[];
}

interface Submission {
  targets: PurgeTargets;
  signal: AbortSignal | undefined;
  resolve: (result: SubmissionResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the targets of the records an invocation processes at once into one purge: the records submit, and once
 * the current turn of the event loop has passed, every URL, prefix and prefetch submitted meanwhile is deduplicated
 * and sent in the fewest calls (the provider batches them up to the API's limits, within the rate); each record
 * then learns what happened to its own targets. Kept for the warm instance.
 */
export class PurgeBatcher {
  #pending: Submission[] = [];

  constructor(private readonly provider: CdnProvider) {}

  submit(targets: PurgeTargets, signal?: AbortSignal): Promise<SubmissionResult> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ targets, signal, resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => this.#flush());
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    const signal = batch.find((submission) => submission.signal)?.signal;
    const all = (pick: (targets: PurgeTargets) => string[]) => [...new Set(batch.flatMap((s) => pick(s.targets)))];
    try {
      const options = signal ? { signal } : {};
      const [urls, prefixes] = await Promise.all([
        this.provider.purgeUrls(
          all((t) => t.urls),
          options,
        ),
        this.provider.purgePrefixes(
          all((t) => t.prefixes),
          options,
        ),
      ]);
      // Prefetch only what was purged: a prefetch of a stale copy would be served until it expires.
      const purged = new Set([...urls.purged, ...prefixes.purged]);
      const prefetch = await this.provider.prefetch(
        all((t) => t.prefetch).filter((url) => purged.has(url)),
        options,
      );
      const failures = new Map<string, SubmissionResult["failed"][number]>();
      for (const failure of urls.failed) failures.set(`url ${failure.target}`, { ...failure, kind: "url" });
      for (const failure of prefixes.failed) failures.set(`prefix ${failure.target}`, { ...failure, kind: "prefix" });
      for (const failure of prefetch.failed)
        failures.set(`prefetch ${failure.target}`, { ...failure, kind: "prefetch" });
      // A prefetch held back because its URL was not purged fails as that purge did.
      for (const url of all((t) => t.prefetch)) {
        const purgeFailure = failures.get(`url ${url}`);
        if (!purged.has(url) && purgeFailure) {
          failures.set(`prefetch ${url}`, {
            ...purgeFailure,
            kind: "prefetch",
            code: "NOT_PURGED",
            message: `not prefetched: its purge failed (${purgeFailure.code})`,
          });
        }
      }
      const prefetched = new Set(prefetch.purged);
      for (const submission of batch) {
        const { targets } = submission;
        const failed = [
          ...targets.urls.flatMap((url) => failures.get(`url ${url}`) ?? []),
          ...targets.prefixes.flatMap((prefix) => failures.get(`prefix ${prefix}`) ?? []),
          ...targets.prefetch.flatMap((url) => failures.get(`prefetch ${url}`) ?? []),
        ];
        submission.resolve({
          purged: [...targets.urls, ...targets.prefixes].filter((target) => purged.has(target)),
          prefetched: targets.prefetch.filter((url) => prefetched.has(url)),
          failed,
        });
      }
    } catch (error) {
      for (const submission of batch) submission.reject(error);
    }
  }
}
