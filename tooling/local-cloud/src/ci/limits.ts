import { CosError } from "../cos/errors.ts";
import type { StoredObject } from "../cos/store.ts";
import type { ImageInfo } from "./image-info.ts";

/**
 * CI's error numbers (doc 460/8523), sent in the `X-ErrNo` header of an error answer: what a client branches
 * on. The COS-style `<Code>` beside them is the local cloud's choice (CI does not document one per number).
 */
export const CI_ERRNO = {
  rateLimited: -29214,
  undecodable: -441,
  badFormat: -443,
  tooManyPixels: -442,
  tooManyFrames: -447,
  fileTooBig: -167,
  missing: -6101,
  empty: -40168,
} as const;

/** A Cloud Infinite error: a COS error code with its `X-ErrNo`. */
export function ciError(code: string, errno: number, message: string): CosError {
  return new CosError(code, message, { "X-ErrNo": String(errno) });
}

export interface ProcessLimits {
  formats: readonly NonNullable<ImageInfo["format"]>[];
  /** Largest object accepted without `large-image-detect=1`. */
  maxBytes: number;
  /** With `large-image-detect=1` (moderation only): larger objects are accepted below this. */
  largeMaxBytes?: number;
  minSide: number;
  maxWidth: number;
  maxHeight: number;
  /** Whether ARCHIVE and DEEP_ARCHIVE objects are refused. */
  refusesArchive: boolean;
}

const MB = 1024 * 1024;

/**
 * What each process accepts (REFERENCE §3). Labels (460/39082; the older revision's limits, still the safe
 * assumption): PNG/JPG up to 3 MB, 32x32 to 7680x4320. Moderation (436/48537): PNG, JPG, BMP, GIF, WebP,
 * HEIF; up to 5 MB, or under 32 MB with `large-image-detect=1`; 20x20 to 10000x10000; not archived objects.
 */
export const LIMITS = {
  "detect-label": {
    formats: ["png", "jpeg"],
    maxBytes: 3 * MB,
    minSide: 32,
    maxWidth: 7680,
    maxHeight: 4320,
    refusesArchive: true,
  },
  "sensitive-content-recognition": {
    formats: ["png", "jpeg", "bmp", "gif", "webp", "heif"],
    maxBytes: 5 * MB,
    largeMaxBytes: 32 * MB,
    minSide: 20,
    maxWidth: 10_000,
    maxHeight: 10_000,
    refusesArchive: true,
  },
} as const satisfies Record<string, ProcessLimits>;

export type CiProcess = keyof typeof LIMITS;

const ARCHIVED = new Set(["ARCHIVE", "DEEP_ARCHIVE"]);

/** Refuses what CI refuses before reading the object: archived storage classes, empty objects, sizes. */
export function checkObject(process: CiProcess, object: StoredObject, largeImageDetect: boolean): void {
  const limits: ProcessLimits = LIMITS[process];
  if (limits.refusesArchive && ARCHIVED.has(object.storageClass)) {
    throw new CosError(
      "InvalidObjectState",
      `${process} does not read ${object.storageClass} objects; ${object.key} is ${object.storageClass}`,
    );
  }
  if (object.size === 0) throw ciError("InvalidImageFormat", CI_ERRNO.empty, `${object.key} is empty (0 bytes)`);
  const allowed = largeImageDetect && limits.largeMaxBytes !== undefined ? limits.largeMaxBytes : limits.maxBytes;
  const tooBig = allowed === limits.largeMaxBytes ? object.size >= allowed : object.size > allowed;
  if (tooBig) {
    const hint =
      limits.largeMaxBytes !== undefined && !largeImageDetect && object.size < limits.largeMaxBytes
        ? " (larger images need large-image-detect=1)"
        : "";
    throw ciError(
      "ImageTooLarge",
      CI_ERRNO.fileTooBig,
      `${process} accepts images ${allowed === limits.largeMaxBytes ? "under" : "up to"} ${allowed} bytes${hint}; ${object.key} has ${object.size}`,
    );
  }
}

/** Refuses what CI refuses after reading the image's header: other formats, unreadable headers, sizes. */
export function checkImage(process: CiProcess, key: string, info: ImageInfo): void {
  const limits: ProcessLimits = LIMITS[process];
  if (!info.format || !limits.formats.includes(info.format)) {
    throw ciError(
      "InvalidImageFormat",
      CI_ERRNO.badFormat,
      `${process} supports ${limits.formats.join(", ")} images; ${key} is ${info.format ?? "not an image"}`,
    );
  }
  const { width, height } = info;
  if (width === undefined || height === undefined) {
    if (info.format === "heif") return;
    throw ciError("InvalidImageFormat", CI_ERRNO.undecodable, `${key} is a truncated or corrupt ${info.format}`);
  }
  if (width < limits.minSide || height < limits.minSide || width > limits.maxWidth || height > limits.maxHeight) {
    throw ciError(
      "InvalidImageSize",
      CI_ERRNO.tooManyPixels,
      `${process} accepts ${limits.minSide}x${limits.minSide} to ${limits.maxWidth}x${limits.maxHeight} pixels; ${key} is ${width}x${height}`,
    );
  }
}
