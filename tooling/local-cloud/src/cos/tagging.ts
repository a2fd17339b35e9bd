import { CosError } from "./errors.ts";
import { MAX_TAG_KEY_CHARS, MAX_TAG_VALUE_CHARS, MAX_TAGS } from "./limits.ts";
import { bucketName, type RequestContext, readText } from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

/** GET Object tagging: `GET /<key>?tagging`. */
export async function getObjectTagging(context: RequestContext): Promise<void> {
  const object = context.options.store.head(bucketName(context), context.key);
  if (!object) throw new CosError("NoSuchKey", "the specified key does not exist");
  sendXml(context.res, 200, [
    "Tagging",
    [
      [
        "TagSet",
        object.tags.map(
          ([k, v]): XmlNode => [
            "Tag",
            [
              ["Key", k],
              ["Value", v],
            ],
          ],
        ),
      ],
    ],
  ]);
}

/** PUT Object tagging: `PUT /<key>?tagging` with a Tagging document. */
export async function putObjectTagging(context: RequestContext): Promise<void> {
  const body = parseXmlBody(await readText(context.req));
  const tagging = body.Tagging as { TagSet?: { Tag?: { Key?: unknown; Value?: unknown }[] } | "" } | undefined;
  if (!tagging) throw new CosError("MalformedXML", "expected a Tagging document");
  const list = (typeof tagging.TagSet === "object" ? tagging.TagSet.Tag : undefined) ?? [];
  const tags = checkTags(list.map((tag): [string, string] => [String(tag.Key ?? ""), String(tag.Value ?? "")]));
  await context.options.store.setTags(bucketName(context), context.key, tags);
  sendEmpty(context.res, 200);
}

/** DELETE Object tagging: `DELETE /<key>?tagging`. */
export async function deleteObjectTagging(context: RequestContext): Promise<void> {
  await context.options.store.setTags(bucketName(context), context.key, []);
  sendEmpty(context.res, 204);
}

/** Checks tags against COS's limits (count, key and value lengths, no key twice). */
export function checkTags(tags: [string, string][]): [string, string][] {
  if (tags.length > MAX_TAGS) throw new CosError("InvalidTag", `an object can have at most ${MAX_TAGS} tags`);
  const seen = new Set<string>();
  for (const [key, value] of tags) {
    if (key === "" || key.length > MAX_TAG_KEY_CHARS)
      throw new CosError("InvalidTag", `tag key ${JSON.stringify(key)} must be 1 to ${MAX_TAG_KEY_CHARS} characters`);
    if (value.length > MAX_TAG_VALUE_CHARS)
      throw new CosError(
        "InvalidTag",
        `tag value for ${JSON.stringify(key)} must be at most ${MAX_TAG_VALUE_CHARS} characters`,
      );
    if (seen.has(key)) throw new CosError("InvalidTag", `tag key ${JSON.stringify(key)} appears twice`);
    seen.add(key);
  }
  return tags;
}
