import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { uploadObject } from "./api.ts";
import { formatSize } from "./format.ts";

interface Upload {
  id: number;
  key: string;
  size: number;
  progress: number;
  outcome: "uploading" | "stored" | "failed";
  detail: string;
}

let nextId = 0;

/**
 * The drop zone around a folder's listing: files dropped on it (or chosen with the button, for the keyboard) are
 * uploaded into the folder, each with its progress and outcome; `onStored` runs when a batch is done.
 */
export function UploadZone({
  bucket,
  prefix,
  onStored,
  children,
}: {
  bucket: string;
  prefix: string;
  onStored: () => void;
  children: ComponentChildren;
}) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);

  const update = (id: number, change: Partial<Upload>) =>
    setUploads((current) => current.map((upload) => (upload.id === id ? { ...upload, ...change } : upload)));

  const send = async (files: File[]) => {
    if (files.length === 0) return;
    const batch = files.map((file) => ({ file, id: nextId++, key: prefix + file.name }));
    setUploads((current) => [
      ...batch.map(({ file, id, key }) => ({
        id,
        key,
        size: file.size,
        progress: 0,
        outcome: "uploading" as const,
        detail: "",
      })),
      ...current,
    ]);
    await Promise.all(
      batch.map(({ file, id, key }) =>
        uploadObject(bucket, key, file, (progress) => update(id, { progress }))
          .then((stored) => update(id, { outcome: "stored", progress: 1, detail: `ETag ${stored.etag}` }))
          .catch((error: Error) => update(id, { outcome: "failed", detail: error.message })),
      ),
    );
    onStored();
  };

  return (
    <section
      class={over ? "drop-zone over" : "drop-zone"}
      data-testid="drop-zone"
      aria-label="Drop files here to upload them into this folder"
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        setOver(false);
        void send([...(event.dataTransfer?.files ?? [])]);
      }}
    >
      <p class="upload-bar">
        <button type="button" onClick={() => picker.current?.click()}>
          Upload files…
        </button>{" "}
        <span class="muted">
          or drop files on the listing: they go into {prefix ? <span class="key">{prefix}</span> : "the bucket's root"}
        </span>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          data-testid="upload-picker"
          onChange={(event) => {
            const input = event.target as HTMLInputElement;
            void send([...(input.files ?? [])]);
            input.value = "";
          }}
        />
      </p>
      {uploads.length > 0 && (
        <ul class="uploads" aria-live="polite" data-testid="uploads">
          {uploads.map((upload) => (
            <li key={upload.id} class={upload.outcome} data-testid="upload">
              <span class="key">{upload.key}</span> ({formatSize(upload.size)}){" "}
              {upload.outcome === "uploading" ? (
                <progress value={upload.progress} max={1} aria-label={`Uploading ${upload.key}`} />
              ) : (
                <strong>{upload.outcome}</strong>
              )}{" "}
              <span class="muted">{upload.detail}</span>
            </li>
          ))}
        </ul>
      )}
      {children}
    </section>
  );
}
