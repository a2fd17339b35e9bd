// What an object's key or Content-Type says it is, for previews and thumbnails.

const IMAGE = /\.(jpe?g|png|gif|webp|bmp|avif|svg)$/i;
const TEXT = /\.(txt|md|csv|tsv|json|ndjson|jsonl|xml|ya?ml|html?|css|js|mjs|ts|log|ini|toml|conf|sql|sh)$/i;
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-ndjson|javascript|x-yaml|yaml|sql|csv))/i;

/** Whether the key names an image by its extension. */
export function looksLikeImage(key: string, contentType = ""): boolean {
  return contentType.toLowerCase().startsWith("image/") || IMAGE.test(key);
}

/** Whether the object is text a person can read (shown as text, never as HTML). */
export function looksLikeText(key: string, contentType = ""): boolean {
  return TEXT_TYPES.test(contentType) || TEXT.test(key);
}
