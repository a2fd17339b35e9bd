import { useEffect, useState } from "preact/hooks";
import { api, contentUrl } from "./api.ts";
import type { ObjectText } from "./api-types.ts";
import { looksLikeImage, looksLikeText } from "./kinds.ts";

/** At most this much of a text object is shown. */
const TEXT_PREVIEW_BYTES = 64 * 1024;

/** An object's preview: an image as an image, text as text (its first 64 KiB, never as HTML), else nothing. */
export function Preview({
  bucket,
  objectKey,
  contentType,
  etag,
}: {
  bucket: string;
  objectKey: string;
  contentType: string;
  etag: string;
}) {
  const image = looksLikeImage(objectKey, contentType);
  const text = !image && looksLikeText(objectKey, contentType);
  const [loaded, setLoaded] = useState<ObjectText | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    setLoaded(null);
    setError("");
    if (text)
      api
        .text(bucket, objectKey, TEXT_PREVIEW_BYTES)
        .then(setLoaded)
        .catch((failure: Error) => setError(failure.message));
  }, [bucket, objectKey, text, etag]);
  if (image)
    return (
      <figure class="preview">
        <img src={`${contentUrl(bucket, objectKey)}&v=${encodeURIComponent(etag)}`} alt={`Preview of ${objectKey}`} />
      </figure>
    );
  if (!text) return null;
  return (
    <div class="preview" data-testid="text-preview">
      {error && <p class="error">{error}</p>}
      {loaded && (
        <>
          <pre>{loaded.text}</pre>
          {loaded.truncated && <p class="muted">The first 64 KiB are shown.</p>}
        </>
      )}
    </div>
  );
}
