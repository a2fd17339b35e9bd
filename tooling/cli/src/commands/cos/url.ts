import { splitBucket } from "@cosfn/events";
import { UsageError } from "../../io.ts";

/** A `cos://<bucket>/<key>` URL's parts; the key may be empty (the bucket) or a prefix. */
export interface CosUrl {
  bucket: string;
  key: string;
}

/** The parts of a `cos://` URL, undefined for anything else (a local path, `-`); a bad bucket is a usage error. */
export function parseCosUrl(text: string): CosUrl | undefined {
  if (!text.startsWith("cos://")) return undefined;
  const rest = text.slice("cos://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  try {
    splitBucket(bucket);
  } catch (error) {
    throw new UsageError(`${text}: ${(error as Error).message}`);
  }
  return { bucket, key: slash < 0 ? "" : rest.slice(slash + 1) };
}

/** A `cos://` URL, or a usage error naming what was expected. */
export function requireCosUrl(text: string | undefined, expected: string): CosUrl {
  const url = text === undefined ? undefined : parseCosUrl(text);
  if (!url) throw new UsageError(`${text === undefined ? "missing URL" : text}: expected ${expected}`);
  return url;
}

/** A `cos://` URL naming one object. */
export function requireObjectUrl(text: string | undefined): CosUrl {
  const url = requireCosUrl(text, "cos://<bucket>/<key>");
  if (url.key === "" || url.key.endsWith("/")) throw new UsageError(`${text}: expected cos://<bucket>/<key>`);
  return url;
}

export const cosUrl = (bucket: string, key = ""): string => `cos://${bucket}/${key}`;

/** A prefix that names a folder: empty, or ending in "/". */
export const asFolder = (prefix: string): string => (prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`);
