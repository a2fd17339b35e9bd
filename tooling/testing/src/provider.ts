import { afterAll, beforeAll, describe, test } from "vitest";

/** One case of a kind's contract: what every implementation must do, run against each in turn. */
export interface ProviderCase<P, S> {
  name: string;
  run: (provider: P, setup: S) => Promise<void> | void;
  /** Milliseconds; default vitest's. */
  timeout?: number;
}

export interface TestProviderOptions<P, S> {
  /** The implementation's name, e.g. `zip` or `postgres`: the describe block is `<kind> contract: <name>`. */
  name: string;
  /** The kind, e.g. `ArchiveReader`. */
  kind: string;
  /** Runs once before the cases: what the implementation needs (a local cloud, a database). */
  setup?: () => Promise<S> | S;
  /** Runs once after the cases, with what `setup` returned. */
  teardown?: (setup: S) => Promise<void> | void;
  /** Makes the implementation under test, once per case, so that no case sees another's state. */
  create: (setup: S) => Promise<P> | P;
  /** The kind's contract: the same list for every implementation. */
  cases: readonly ProviderCase<P, S>[];
  /** Cases only this implementation has (its own edge cases), run after the contract. */
  extra?: readonly ProviderCase<P, S>[];
}

/**
 * Runs a kind's one contract suite against one implementation, on the model of unstorage's `testDriver`: each
 * provider is a factory in a file of its own, the kind's cases are written once, and every implementation's
 * test file calls `testProvider({ name, kind, setup, create, cases })`.
 */
export function testProvider<P, S = undefined>(options: TestProviderOptions<P, S>): void {
  describe(`${options.kind} contract: ${options.name}`, () => {
    let shared: S;
    beforeAll(async () => {
      shared = (await options.setup?.()) as S;
    });
    afterAll(async () => {
      await options.teardown?.(shared);
    });
    for (const item of [...options.cases, ...(options.extra ?? [])]) {
      test(
        item.name,
        async () => {
          const provider = await options.create(shared);
          await item.run(provider, shared);
        },
        item.timeout,
      );
    }
  });
}
