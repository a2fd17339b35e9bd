import { createRequire } from "node:module";
import { PermanentError } from "@cosfn/errors";
import type Sharp from "sharp";

/** sharp's native part could not be loaded here: the message says why (sharp's own words) and the C library. */
export class SharpUnavailableError extends PermanentError {
  override readonly name = "SharpUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super("SHARP_UNAVAILABLE", message, options);
  }
}

/** The C library the process runs on, e.g. `glibc 2.36` (sharp 0.35's prebuilt libvips needs glibc 2.28 or newer). */
export function runtimeLibc(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ? `glibc ${header.glibcVersionRuntime}` : "not glibc (musl?) or unknown";
}

let loaded: typeof Sharp | undefined;

/**
 * sharp, loaded on first use rather than when the bundle is loaded, so that a runtime it cannot run on (SCF's image
 * has an older glibc, the linux-x64 folders were not shipped) fails the function's setup with a SharpUnavailableError
 * that names the C library, instead of a bare module-load error before any log line. Its operation cache is off:
 * memory follows the images in flight.
 */
export function loadSharp(): typeof Sharp {
  if (loaded) return loaded;
  try {
    const sharp = createRequire(import.meta.url)("sharp") as typeof Sharp;
    sharp.cache(false);
    loaded = sharp;
    return sharp;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new SharpUnavailableError(
      `sharp cannot be loaded on ${process.platform}-${process.arch} (${runtimeLibc()}, Node ${process.versions.node}): ${reason}. The zip must hold node_modules/sharp and @img/sharp-*-linux-x64 (npm run build ships them); sharp 0.35 needs glibc 2.28 or newer`,
      { cause: error },
    );
  }
}
