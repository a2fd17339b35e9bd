import { UsageError } from "../../io.ts";

/** Bytes as a person reads them: 1023 B, 1.5 KiB, 12.0 MiB, 2.0 GiB. */
export function humanSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A whole number above 0 from an option (`--part-size 16`), or a usage error naming the option. */
export function positiveInteger(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--${name} ${JSON.stringify(text)}: expected a whole number above 0`);
  }
  return value;
}
