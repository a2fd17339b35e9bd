/** At most this many bytes of an attempt's logs are kept: the last ones. */
export const MAX_ATTEMPT_LOG_BYTES = 64 * 1024;

/**
 * The `AttemptLog` a trigger passes to a handler: keeps what it logs, one line per call, and only the last
 * `MAX_ATTEMPT_LOG_BYTES` bytes of it (whole chunks are dropped as it goes, the cut is made exact at the end).
 */
export class AttemptLogBuffer {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;

  log(text: string): void {
    const line = Buffer.from(text.endsWith("\n") ? text : `${text}\n`, "utf8");
    this.#chunks.push(line);
    this.#bytes += line.length;
    // Drop whole chunks while what is left still holds the limit.
    for (;;) {
      const first = this.#chunks[0];
      if (!first || this.#bytes - first.length < MAX_ATTEMPT_LOG_BYTES) break;
      this.#chunks.shift();
      this.#bytes -= first.length;
      this.#dropped += first.length;
    }
  }

  /** The logs: "" when nothing was logged; when cut, the last bytes after `[... N bytes earlier dropped]\n`. */
  text(): string {
    if (this.#bytes === 0) return "";
    let all = Buffer.concat(this.#chunks);
    let dropped = this.#dropped;
    if (all.length > MAX_ATTEMPT_LOG_BYTES) {
      let start = all.length - MAX_ATTEMPT_LOG_BYTES;
      // Never start inside a UTF-8 character: skip its continuation bytes.
      while (start < all.length && ((all[start] as number) & 0xc0) === 0x80) start++;
      dropped += start;
      all = all.subarray(start);
    }
    const kept = all.toString("utf8");
    return dropped > 0 ? `[... ${dropped} bytes earlier dropped]\n${kept}` : kept;
  }
}
