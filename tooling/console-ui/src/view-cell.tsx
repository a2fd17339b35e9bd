import { contentUrl } from "./api.ts";
import type { ViewCell } from "./api-types.ts";
import { looksLikeImage } from "./kinds.ts";
import { objectHash } from "./location.ts";

/** One cell of a function's view: a value as text, or an object as a link to it (with a thumbnail for an image). */
export function Cell({ cell }: { cell: ViewCell }) {
  if (cell === null) return <span class="muted">—</span>;
  if (typeof cell !== "object") return <>{String(cell)}</>;
  const { bucket, key } = cell.object;
  return (
    <a href={objectHash(bucket, key)} class="object-cell" data-testid="object-cell">
      {looksLikeImage(key) && (
        <img src={contentUrl(bucket, key)} alt="" class="thumbnail" loading="lazy" data-testid="thumbnail" />
      )}
      <span class="key">{cell.text ?? key}</span>
    </a>
  );
}
