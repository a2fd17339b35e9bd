import type { CosClient, ObjectInfo } from "@cosfn/cos";
import type { Config } from "./config.ts";
import { ImageRejectedError } from "./errors.ts";
import { type ImageFormat, SNIFF_BYTES, sniffFormat } from "./formats.ts";

/** An image's bytes as read, the format its first bytes declare, and where it is (for messages). */
export interface LoadedImage {
  bytes: Buffer;
  format: ImageFormat;
  where: string;
}

/**
 * Reads an object for recognition: refuses an empty or too large one without reading it, streams the rest in
 * (pinned to the ETag the HEAD saw, stopping past `maxBytes` should it have grown), then sniffs the format from
 * the first bytes: not an image, or a format not in `FORMATS` (SVG by default), is refused.
 */
export async function readImage(
  cos: CosClient,
  bucket: string,
  key: string,
  info: ObjectInfo,
  config: Pick<Config, "maxBytes" | "formats">,
  signal: AbortSignal,
): Promise<LoadedImage> {
  const where = `cos://${bucket}/${key}`;
  if (info.size === 0) throw new ImageRejectedError("IMAGE_EMPTY", where, "the object is empty (0 bytes)");
  if (info.size > config.maxBytes) {
    throw new ImageRejectedError(
      "IMAGE_TOO_LARGE",
      where,
      `${info.size} bytes is over MAX_INPUT_BYTES ${config.maxBytes}; it was not read`,
    );
  }
  // One buffer of the size the HEAD gave, filled as the chunks arrive: the image is held once, never twice.
  let bytes = Buffer.allocUnsafe(info.size);
  let length = 0;
  for await (const chunk of cos.readStream(bucket, key, undefined, { ifMatch: info.etag })) {
    signal.throwIfAborted();
    const data = chunk as Buffer;
    if (length + data.length > config.maxBytes) {
      throw new ImageRejectedError("IMAGE_TOO_LARGE", where, `more than MAX_INPUT_BYTES ${config.maxBytes} bytes`);
    }
    if (length + data.length > bytes.length) bytes = Buffer.concat([bytes.subarray(0, length)], length + data.length);
    data.copy(bytes, length);
    length += data.length;
  }
  bytes = bytes.subarray(0, length);
  const format = sniffFormat(bytes.subarray(0, SNIFF_BYTES));
  if (format === undefined) {
    const head = bytes.subarray(0, 8).toString("hex");
    throw new ImageRejectedError(
      "NOT_AN_IMAGE",
      where,
      `its first bytes (${head}) are not an image format this function reads`,
    );
  }
  if (!config.formats.includes(format)) {
    const why = format === "svg" ? " (SVG may reference external files; add svg to FORMATS to accept it)" : "";
    throw new ImageRejectedError(
      "IMAGE_FORMAT_REFUSED",
      where,
      `${format} is not in FORMATS (${config.formats.join(",")})${why}`,
    );
  }
  return { bytes, format, where };
}
