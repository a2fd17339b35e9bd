import { CosError } from "./errors.ts";
import { bucketName, type RequestContext, readText, versionHeader } from "./request.ts";
import { sendEmpty, sendXml } from "./response.ts";
import type { Bucket, ObjectAcl, StoredObject } from "./store.ts";
import { parseXmlBody, type XmlNode } from "./xml.ts";

/** The account the local cloud answers as the owner of everything (COS's documented example uin). */
export const OWNER_ID = "qcs::cam::uin/100000000001:uin/100000000001";
/** The group every requester, signed or not, belongs to (doc 436/30752). */
export const ALL_USERS = "http://cam.qcloud.com/groups/global/AllUsers";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";

/**
 * The ACL that decides an object's access (doc 436/30752): its own, or the bucket's when it is `default` (or was
 * never set, which is `default`). A key with no object takes the bucket's.
 */
export function effectiveAcl(bucket: Bucket | undefined, object: StoredObject | undefined): "private" | "public-read" {
  const own = object?.deleteMarker ? undefined : object?.acl;
  if (own === "private" || own === "public-read") return own;
  return bucket?.acl ?? "private";
}

/** The object (or the version `versionId` names) an ACL request is about; its latest must not be a delete marker. */
function aclTarget(context: RequestContext): StoredObject {
  const { options, key, query } = context;
  const versionId = query.get("versionId");
  const object =
    versionId === undefined
      ? options.store.head(bucketName(context), key)
      : options.store.version(bucketName(context), key, versionId);
  if (!object || object.deleteMarker) {
    throw versionId === undefined
      ? new CosError("NoSuchKey", "the specified key does not exist")
      : new CosError("NoSuchVersion", "the specified version does not exist");
  }
  return object;
}

/**
 * GET Object acl (doc 436/7744; CAM action cos:GetObjectACL): an `AccessControlPolicy` with the owner's
 * FULL_CONTROL and, when the object is readable by anyone, AllUsers' READ; `x-cos-acl` names the object's
 * canned ACL as set (`default` when it inherits the bucket's).
 */
export async function getObjectAcl(context: RequestContext): Promise<void> {
  const object = aclTarget(context);
  const bucket = context.options.store.getBucket(bucketName(context));
  const owner: XmlNode[] = [
    ["ID", OWNER_ID],
    ["DisplayName", OWNER_ID],
  ];
  const grants: XmlNode[] = [
    [
      "Grant",
      [
        ["Grantee", owner, { "xmlns:xsi": XSI, "xsi:type": "CanonicalUser" }],
        ["Permission", "FULL_CONTROL"],
      ],
    ],
  ];
  if (effectiveAcl(bucket, object) === "public-read") {
    grants.push([
      "Grant",
      [
        ["Grantee", [["URI", ALL_USERS]], { "xmlns:xsi": XSI, "xsi:type": "Group" }],
        ["Permission", "READ"],
      ],
    ]);
  }
  sendXml(
    context.res,
    200,
    [
      "AccessControlPolicy",
      [
        ["Owner", owner],
        ["AccessControlList", grants],
      ],
    ],
    { "x-cos-acl": object.acl ?? "default", ...versionHeader(object) },
  );
}

/**
 * PUT Object acl (doc 436/7748; CAM action cos:PutObjectACL): the canned `x-cos-acl` header, or an
 * `AccessControlPolicy` body, replaces the object's ACL. A body granting AllUsers READ is `public-read`, one
 * granting only the owner is `private`. Grants to other accounts (`x-cos-grant-*`, other grantees or
 * permissions) are not modelled: NotImplemented.
 */
export async function putObjectAcl(context: RequestContext): Promise<void> {
  const { req, res, key, options } = context;
  if (Object.keys(req.headers).some((name) => name.startsWith("x-cos-grant-"))) {
    throw new CosError("NotImplemented", "x-cos-grant-* headers are not implemented by the local cloud");
  }
  const text = await readText(req);
  const header = req.headers["x-cos-acl"];
  let acl: ObjectAcl;
  if (header !== undefined) acl = parseObjectAcl(String(header));
  else if (text.trim() !== "") acl = aclFromPolicy(parseXmlBody(text));
  else throw new CosError("InvalidArgument", "PUT Object acl needs x-cos-acl or an AccessControlPolicy body");
  aclTarget(context);
  await options.store.setAcl(bucketName(context), key, acl);
  sendEmpty(res, 200);
}

type Grant = { Grantee?: { ID?: string; URI?: string }; Permission?: string };

function aclFromPolicy(body: Record<string, unknown>): ObjectAcl {
  const policy = body.AccessControlPolicy as { AccessControlList?: { Grant?: Grant[] } } | undefined;
  if (!policy) throw new CosError("MalformedXML", "expected an AccessControlPolicy document");
  let publicRead = false;
  for (const grant of policy.AccessControlList?.Grant ?? []) {
    const grantee = grant.Grantee ?? {};
    if (grantee.URI === ALL_USERS && grant.Permission === "READ") publicRead = true;
    else if (grantee.ID === OWNER_ID && grant.Permission === "FULL_CONTROL") continue;
    else {
      throw new CosError(
        "NotImplemented",
        `the local cloud models only the owner's FULL_CONTROL and AllUsers' READ, not ${JSON.stringify(grant)}`,
      );
    }
  }
  return publicRead ? "public-read" : "private";
}

/** `x-cos-acl` on an object (doc 436/30752): `default`, `private` or `public-read`. */
export function parseObjectAcl(value: string): ObjectAcl {
  const acl = value.trim();
  if (acl === "default" || acl === "private" || acl === "public-read") return acl;
  throw new CosError(
    "InvalidArgument",
    `x-cos-acl must be default, private or public-read, got ${JSON.stringify(value)}`,
  );
}
