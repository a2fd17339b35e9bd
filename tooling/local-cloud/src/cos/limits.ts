/** COS's limits that the local cloud enforces, in one place (COS API docs 436/7749 and the pages of each API). */

/** An object key: at most 850 bytes of UTF-8 (the one definition, in @cosfn/events). */
export { MAX_KEY_BYTES } from "@cosfn/events";
/** A simple upload, and one part of a multipart upload: at most 5 GB. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 3;
/** Parts of one multipart upload, numbered 1 to this. */
export const MAX_PARTS = 10_000;
/** Every part of a multipart upload but the last is at least 1 MiB (`ObjectStore.minPartBytes`, tests may lower it). */
export const MIN_PART_BYTES = 1024 * 1024;
/** Objects (and common prefixes) in one listing page: `max-keys` is 0 to this, and this by default. */
export const MAX_KEYS_PER_LIST = 1000;
/** Parts in one ListParts page. */
export const MAX_PARTS_PER_LIST = 1000;
/** Uploads answered by ListMultipartUploads (the local cloud does not page them). */
export const MAX_UPLOADS_PER_LIST = 1000;
/** Keys one `POST /?delete` request may list. */
export const MAX_KEYS_PER_DELETE = 1000;
/** Tags on one object. */
export const MAX_TAGS = 10;
/** Characters of a tag key. */
export const MAX_TAG_KEY_CHARS = 128;
/** Characters of a tag value. */
export const MAX_TAG_VALUE_CHARS = 256;
/** An XML request body (Delete, Tagging, CompleteMultipartUpload): the local cloud reads at most this much. */
export const MAX_XML_BODY_BYTES = 4 * 1024 * 1024;
