import { Transform } from "node:stream";
import type { Io } from "../../io.ts";
import { humanSize } from "./format.ts";

/** A transfer's progress bar on standard error, drawn only when standard error is a terminal. */
export interface Progress {
  /** Passes bytes through, counting them. */
  counter(): Transform;
  done(): void;
}

const WIDTH = 30;

/** A progress bar for `label` of `total` bytes (unknown: no percentage); nothing at all when not on a terminal. */
export function progress(io: Io, label: string, total: number | undefined): Progress {
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  let moved = 0;
  let drawnAt = 0;
  const draw = (force: boolean) => {
    const now = Date.now();
    if (!tty || (!force && now - drawnAt < 100)) return;
    drawnAt = now;
    const share = total ? Math.min(1, moved / total) : undefined;
    const bar =
      share === undefined
        ? ""
        : ` [${"#".repeat(Math.round(share * WIDTH)).padEnd(WIDTH, " ")}] ${Math.floor(share * 100)}%`;
    io.stderr.write(`\r\x1b[K${label}${bar} ${humanSize(moved)}${total === undefined ? "" : ` / ${humanSize(total)}`}`);
  };
  return {
    counter: () =>
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          moved += chunk.length;
          draw(false);
          callback(null, chunk);
        },
      }),
    done() {
      draw(true);
      if (tty) io.stderr.write("\n");
    },
  };
}
