/**
 * Every public COS region: its full name and the short codes that COS events and older APIs use for it.
 * The first code of each entry is the one Tencent Cloud uses today; later ones are legacy aliases
 * (COS XML v4 and the JavaScript SDK's old region map).
 */
const REGIONS: ReadonlyArray<readonly [full: string, ...codes: string[]]> = [
  ["ap-beijing-1", "tj", "cn-north"],
  ["ap-beijing", "bj"],
  ["ap-nanjing", "nj"],
  ["ap-shanghai", "sh", "cn-east"],
  ["ap-guangzhou", "gz", "cn-south"],
  ["ap-chengdu", "cd", "cn-southwest"],
  ["ap-chongqing", "cq"],
  ["ap-shenzhen-fsi", "szjr"],
  ["ap-shanghai-fsi", "shjr"],
  ["ap-beijing-fsi", "bjjr"],
  ["ap-hongkong", "hk"],
  ["ap-singapore", "sg", "sgp"],
  ["ap-mumbai", "in"],
  ["ap-jakarta", "jkt"],
  ["ap-seoul", "kr"],
  ["ap-bangkok", "th"],
  ["ap-tokyo", "jp"],
  ["na-siliconvalley", "usw"],
  ["na-ashburn", "use"],
  ["na-toronto", "ca"],
  ["sa-saopaulo", "sao"],
  ["eu-frankfurt", "de"],
  ["eu-moscow", "ru"],
];

const byCode = new Map<string, string>();
const codeOf = new Map<string, string>();
for (const [full, ...codes] of REGIONS) {
  for (const code of codes) byCode.set(code, full);
  codeOf.set(full, codes[0] ?? full);
}

/** The full region names of every public COS region, e.g. `ap-guangzhou`. */
export const COS_REGIONS: readonly string[] = REGIONS.map(([full]) => full);

const FULL_REGION = /^[a-z]{2}-[a-z]+(?:-[a-z0-9]+)?$/;

/** True for a string shaped like a full region name (`ap-guangzhou`, `ap-shenzhen-fsi`), known or not. */
export function isFullRegionName(value: string): boolean {
  return FULL_REGION.test(value);
}

/**
 * The full region name for a short code (`gz` -> `ap-guangzhou`) or a full name (returned as it is).
 * Returns `undefined` for a code that is not in the table.
 */
export function fullRegionName(codeOrName: string): string | undefined {
  const lower = codeOrName.trim().toLowerCase();
  return byCode.get(lower) ?? (codeOf.has(lower) || isFullRegionName(lower) ? lower : undefined);
}

/** The short code COS puts in `cosBucket.region` for a full region name; the name itself if it has none. */
export function shortRegionCode(fullName: string): string {
  return codeOf.get(fullName) ?? fullName;
}
