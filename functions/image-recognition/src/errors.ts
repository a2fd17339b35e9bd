import { PermanentError } from "@cosfn/errors";

/** Why an object is not an image the function can recognize. Each is a permanent outcome, never retried. */
export type RejectionCode =
  | "IMAGE_EMPTY"
  | "IMAGE_TOO_LARGE"
  | "NOT_AN_IMAGE"
  | "IMAGE_FORMAT_REFUSED"
  | "IMAGE_FORMAT_UNSUPPORTED"
  | "IMAGE_PIXEL_LIMIT"
  | "IMAGE_CORRUPT";

/**
 * An object that is not a recognizable image: empty, too large, not an image, a refused or unsupported format, a
 * pixel bomb, or corrupt. The function writes it in the sidecar and reports it; SCF does not retry it.
 */
export class ImageRejectedError extends PermanentError {
  override readonly name = "ImageRejectedError";
  declare readonly code: RejectionCode;
  constructor(code: RejectionCode, where: string, message: string, options?: { cause?: unknown }) {
    super(code, `${where}: ${message}`, options);
  }
}
