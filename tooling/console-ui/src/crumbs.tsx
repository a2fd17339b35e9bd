import { placeHash } from "./location.ts";

/** The path shown above a listing, each folder a link. */
export function Breadcrumbs({ bucket, prefix }: { bucket: string; prefix: string }) {
  const parts = prefix.split("/").slice(0, -1);
  return (
    <p class="crumbs" data-testid="crumbs">
      <a href={placeHash({ bucket })}>{bucket}</a>
      {parts.map((part, i) => (
        <span key={parts.slice(0, i + 1).join("/")}>
          {" / "}
          <a href={placeHash({ bucket, prefix: `${parts.slice(0, i + 1).join("/")}/` })} class="key">
            {part}
          </a>
        </span>
      ))}
    </p>
  );
}
