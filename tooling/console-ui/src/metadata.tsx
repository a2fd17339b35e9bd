import { useEffect, useState } from "preact/hooks";
import { ApiError, api, contentUrl } from "./api.ts";
import type { ObjectMetadata, VersionInfo } from "./api-types.ts";
import { Confirm } from "./confirm.tsx";
import { formatSize, formatTime } from "./format.ts";
import { folderOf, placeHash } from "./location.ts";
import { Preview } from "./preview.tsx";
import { Versions } from "./versions.tsx";

function Pairs({ title, pairs }: { title: string; pairs: Record<string, string> }) {
  const entries = Object.entries(pairs);
  return (
    <>
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p class="muted">None.</p>
      ) : (
        <dl>
          {entries.map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd class="key">{value}</dd>
            </div>
          ))}
        </dl>
      )}
    </>
  );
}

/**
 * The metadata panel of one object: what COS keeps about it, its versions and its restore, a preview, a download
 * link, and its deletion (after a confirmation). Read again when `revision` changes.
 */
export function Metadata({
  bucket,
  objectKey,
  revision,
  onChanged,
}: {
  bucket: string;
  objectKey: string;
  revision: number;
  onChanged: () => void;
}) {
  const [object, setObject] = useState<ObjectMetadata | null>(null);
  const [error, setError] = useState("");
  const [confirming, setConfirming] = useState(false);
  const remove = () =>
    api
      .deleteObject(bucket, objectKey)
      .then(() => {
        location.hash = placeHash({ bucket, prefix: folderOf(objectKey) });
        onChanged();
      })
      .catch((failure: Error) => setError(failure.message));
  // A key with no current version (deleted in a versioned bucket) still has its versions: they are shown.
  const [orphans, setOrphans] = useState<VersionInfo[]>([]);
  useEffect(() => {
    setObject(null);
    setError("");
    setOrphans([]);
    api
      .object(bucket, objectKey)
      .then(setObject)
      .catch((failure: Error) => {
        setError(failure.message);
        const versions = failure instanceof ApiError && (failure.body as { versions?: VersionInfo[] })?.versions;
        if (versions) setOrphans(versions);
      });
  }, [bucket, objectKey, revision]);
  return (
    <aside class="metadata" aria-label="Object metadata" data-testid="metadata">
      <h2 class="key">{objectKey}</h2>
      {error && <p class="error">{error}</p>}
      {orphans.length > 0 && <Versions bucket={bucket} objectKey={objectKey} versions={orphans} />}
      {object && (
        <>
          <p class="actions">
            <a href={contentUrl(bucket, objectKey, { download: true })} download data-testid="download">
              Download
            </a>{" "}
            <button type="button" class="danger" onClick={() => setConfirming(true)}>
              Delete…
            </button>
          </p>
          {confirming && (
            <Confirm
              title="Delete this object?"
              confirmLabel="Delete"
              onConfirm={remove}
              onClose={() => setConfirming(false)}
            >
              <p>
                <span class="key">
                  {bucket}/{objectKey}
                </span>{" "}
                is deleted (in a versioned bucket, it gets a delete marker and its versions stay). The bucket's removal
                triggers run.
              </p>
            </Confirm>
          )}
          <Preview bucket={bucket} objectKey={objectKey} contentType={object.contentType} etag={object.etag} />
          <dl>
            <div>
              <dt>Size</dt>
              <dd>
                {formatSize(object.size)} ({object.size} bytes)
              </dd>
            </div>
            <div>
              <dt>Content-Type</dt>
              <dd>{object.contentType}</dd>
            </div>
            <div>
              <dt>Storage class</dt>
              <dd>{object.storageClass}</dd>
            </div>
            <div>
              <dt>ETag</dt>
              <dd class="key">{object.etag}</dd>
            </div>
            <div>
              <dt>CRC-64</dt>
              <dd class="key">{object.crc64}</dd>
            </div>
            <div>
              <dt>Modified</dt>
              <dd>{formatTime(object.lastModified)}</dd>
            </div>
            <div>
              <dt>ACL</dt>
              <dd>{object.acl}</dd>
            </div>
            {object.restore && (
              <div>
                <dt>Restore</dt>
                <dd>
                  {object.restore.state} ({object.restore.tier}, {object.restore.days} days, ready{" "}
                  {formatTime(object.restore.readyAt)})
                </dd>
              </div>
            )}
            {object.replicationStatus && (
              <div>
                <dt>Replication</dt>
                <dd>{object.replicationStatus}</dd>
              </div>
            )}
          </dl>
          <Pairs title="Headers" pairs={object.headers} />
          <Pairs title="x-cos-meta-*" pairs={object.meta} />
          <Pairs title="Tags" pairs={object.tags} />
          <Versions bucket={bucket} objectKey={objectKey} versions={object.versions} />
        </>
      )}
    </aside>
  );
}
