/**
 * One holder per name at a time inside this process: later callers of the same name wait in arrival order;
 * different names never wait for each other. The drivers use it so that holders of one key in an instance queue
 * here instead of each taking a pooled connection to wait on the database's lock (PGlite: it is the lock).
 */
export class KeyMutex {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    let release = () => {};
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => done);
    this.#tails.set(name, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    }
  }

  /** Names held or waited for now. */
  get size(): number {
    return this.#tails.size;
  }
}
