import { mkdir, readFile, stat, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { ObjectStoreError } from "./errors.ts";

/**
 * A PGlite database in a folder, shared safely between processes. PGlite is single-process: two processes that
 * open one folder at once overwrite each other's files (`cosfn dev` runs each invocation in a process of its own,
 * and two uploads at once lost a row). So the folder is opened only while holding a lock file beside it
 * (`<dir>.lock`, holding the owner's pid), taken on first use, waited for (polling) while another process holds
 * it, and given back by `release()`, which closes the database first. A lock whose process is gone (killed) is
 * stale and taken over; PostgreSQL recovers the folder from its WAL as after a crash.
 */
export class PgliteFolder {
  readonly dir: string;
  readonly lockPath: string;
  readonly #waitMs: number;
  readonly #pollMs: number;
  #db: Promise<PGlite> | undefined;
  #users = 0;
  #idle: (() => void)[] = [];

  constructor(dir: string, options: { waitMs?: number; pollMs?: number } = {}) {
    this.dir = dir;
    this.lockPath = `${dir.replace(/\/+$/, "")}.lock`;
    this.#waitMs = options.waitMs ?? 120_000;
    this.#pollMs = options.pollMs ?? 50;
  }

  /** Whether this process has the folder open now. */
  get open(): boolean {
    return this.#db !== undefined;
  }

  /** Runs `body` on the database, opening it (lock first) if this process does not hold it. */
  async use<T>(body: (db: PGlite) => Promise<T>): Promise<T> {
    this.#users++;
    try {
      this.#db ??= this.#open();
      return await body(await this.#db);
    } finally {
      this.#users--;
      if (this.#users === 0) for (const wake of this.#idle.splice(0)) wake();
    }
  }

  /**
   * Once no `use` is running: closes the database and gives the folder back to other processes. The next `use`
   * opens it again. Call it when an invocation ends.
   */
  async release(): Promise<void> {
    while (this.#users > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    const db = this.#db;
    if (!db) return;
    this.#db = undefined;
    try {
      await (await db).close();
    } finally {
      await this.#unlock();
    }
  }

  async #open(): Promise<PGlite> {
    try {
      await this.#lock();
    } catch (error) {
      this.#db = undefined;
      throw error;
    }
    try {
      return await PGlite.create(this.dir);
    } catch (error) {
      this.#db = undefined;
      await this.#unlock();
      throw error;
    }
  }

  async #lock(): Promise<void> {
    await mkdir(dirname(this.lockPath), { recursive: true });
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      try {
        await writeFile(this.lockPath, `${process.pid}\n`, { flag: "wx" });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw this.#error("DB_LOCK", "cannot create", error);
      }
      const holder = await this.#holder();
      if (holder !== undefined && !alive(holder.pid, holder.ageMs)) {
        // Stale: remove it unless another process replaced it meanwhile.
        if ((await this.#holder())?.pid === holder.pid) await unlink(this.lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw this.#error("DB_LOCKED", `still held by process ${holder?.pid ?? "?"} after ${this.#waitMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
    }
  }

  /** The lock's pid (NaN while its creator has not written it yet) and age, or undefined when there is none. */
  async #holder(): Promise<{ pid: number; ageMs: number } | undefined> {
    try {
      const [text, info] = await Promise.all([readFile(this.lockPath, "utf8"), stat(this.lockPath)]);
      return { pid: Number.parseInt(text, 10), ageMs: Date.now() - info.mtimeMs };
    } catch {
      return undefined;
    }
  }

  async #unlock(): Promise<void> {
    if ((await this.#holder())?.pid === process.pid) await unlink(this.lockPath).catch(() => undefined);
  }

  #error(code: string, problem: string, cause?: unknown): ObjectStoreError {
    return new ObjectStoreError(code, "", `PGlite folder ${this.dir}: lock file ${this.lockPath} ${problem}`, {
      transient: code === "DB_LOCKED",
      cause,
    });
  }
}

/** Whether a lock's process is alive: a lock without a pid yet is, for its first 10 s. */
function alive(pid: number, ageMs: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return ageMs < 10_000;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
