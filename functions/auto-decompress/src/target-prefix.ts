const ARCHIVE_SUFFIX = /\.(tar\.gz|tgz|tar|zip|gz)$/i;

/** The default TARGET_PREFIX: the extension is part of it, so `report.zip` and `report.tgz` never share one. */
export const DEFAULT_TARGET_PREFIX = "extracted/{dir}{name}.{ext}/";

/**
 * Expands the TARGET_PREFIX template for one archive: `{dir}` is the archive's folder with its trailing `/`
 * (empty at the bucket's root), `{name}` its file name without the archive suffix, `{ext}` that suffix without
 * its dot (`zip`, `tar`, `tgz`, `tar.gz`, `gz`, as written), `{key}` its whole key. The result always ends with `/`.
 */
export function targetPrefixFor(key: string, template: string): string {
  const slash = key.lastIndexOf("/");
  const dir = slash < 0 ? "" : key.slice(0, slash + 1);
  const file = key.slice(slash + 1);
  const suffix = ARCHIVE_SUFFIX.exec(file)?.[0] ?? "";
  const name = file.slice(0, file.length - suffix.length) || file;
  const ext = name === file ? "" : suffix.slice(1);
  const prefix = template
    .replaceAll("{dir}", dir)
    .replaceAll("{name}", name)
    .replaceAll("{ext}", ext)
    .replaceAll("{key}", key);
  return prefix.endsWith("/") ? prefix : `${prefix}/`;
}

/** The part of the template before its first placeholder: where every output lands, for the loop guard. */
export function constantPrefix(template: string): string {
  const at = template.indexOf("{");
  return at < 0 ? template : template.slice(0, at);
}
