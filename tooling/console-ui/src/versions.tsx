import { contentUrl } from "./api.ts";
import type { VersionInfo } from "./api-types.ts";
import { formatSize, formatTime } from "./format.ts";

/** Every version and delete marker of a key, newest first, each version with its download link. */
export function Versions({
  bucket,
  objectKey,
  versions,
}: {
  bucket: string;
  objectKey: string;
  versions: VersionInfo[];
}) {
  return (
    <>
      <h3>Versions</h3>
      <ol class="versions">
        {versions.map((version) => (
          <li key={version.versionId} data-testid="version">
            <span class="key">{version.versionId}</span>{" "}
            {version.deleteMarker ? "delete marker" : formatSize(version.size)} {formatTime(version.lastModified)}{" "}
            {version.isLatest && "(latest)"}{" "}
            {!version.deleteMarker && (
              <a
                href={contentUrl(bucket, objectKey, { versionId: version.versionId, download: true })}
                download
                aria-label={`Download version ${version.versionId}`}
                data-testid="version-download"
              >
                download
              </a>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
