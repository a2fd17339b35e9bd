import { useEffect, useState } from "preact/hooks";
import { api } from "./api.ts";
import { objectHash } from "./location.ts";

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * Opens an object by its key in the open bucket, or by a URL anywhere: `https://<bucket>.cos.<region>.myqcloud.com/<key>`,
 * `cos://<bucket>/<key>` or the local endpoint's (resolved by the API, so percent-encoding is read as COS reads it).
 */
export function OpenBox({ bucket }: { bucket: string }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState("");
  useEffect(() => {
    // A refusal is about the text given: it goes once the person is elsewhere.
    const clear = () => setError("");
    addEventListener("hashchange", clear);
    return () => removeEventListener("hashchange", clear);
  }, []);
  const open = async (event: Event) => {
    event.preventDefault();
    setError("");
    const text = value.trim();
    if (!text) return;
    try {
      if (URL_LIKE.test(text)) {
        const target = await api.resolve(text);
        location.hash = objectHash(target.bucket, target.key);
      } else if (!bucket) {
        setError("Choose a bucket first to open a key, or paste a COS URL.");
      } else {
        location.hash = objectHash(bucket, text.replace(/^\//, ""));
      }
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form class="open-box" onSubmit={open}>
      <input
        type="text"
        aria-label="Open a key or COS URL"
        placeholder={bucket ? "Open a key, or a COS URL" : "Open a COS URL (cos://bucket/key, https://...)"}
        value={value}
        onInput={(event) => {
          setValue((event.target as HTMLInputElement).value);
          setError("");
        }}
        data-testid="open-input"
      />
      <button type="submit">Open</button>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
