import type { BucketInfo } from "./api-types.ts";
import { placeHash } from "./location.ts";

/** The bucket list: one link per bucket, the open one marked. */
export function Buckets({ buckets, current }: { buckets: BucketInfo[]; current: string }) {
  return (
    <nav class="buckets" aria-label="Buckets">
      <h2>Buckets</h2>
      {buckets.length === 0 && <p class="muted">No bucket yet.</p>}
      <ul>
        {buckets.map((bucket) => (
          <li key={bucket.name}>
            <a
              href={placeHash({ bucket: bucket.name })}
              aria-current={bucket.name === current ? "page" : undefined}
              data-testid="bucket-link"
            >
              {bucket.name}
            </a>
            <span class="muted"> {bucket.region}</span>
          </li>
        ))}
      </ul>
    </nav>
  );
}
