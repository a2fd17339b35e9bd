import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import busboy from "busboy";
import { parseObjectAcl } from "./acl.ts";
import { storedContentType } from "./content-type.ts";
import { CosError } from "./errors.ts";
import type { Credentials } from "./signature.ts";
import type { ObjectAttributes } from "./store.ts";

/** A browser-form upload (POST Object) once its fields are read and its policy and signature checked. */
export interface PostUpload {
  key: string;
  /** The SecretId that signed the form. */
  secretId: string;
  attributes: ObjectAttributes;
  successStatus: 200 | 201 | 204;
  file: Readable;
  /** How many bytes the policy allows; checked while the file streams. */
  lengthRange: [number, number] | undefined;
  /** The form's `x-cos-traffic-limit` field, if any (doc 436/40140). */
  trafficLimit: string | undefined;
}

type Condition = Record<string, string> | [string, string, string] | ["content-length-range", number, number];

/**
 * Reads a POST Object form (doc 436/14690) up to its `file` field, checks the policy (expiry, bucket, key,
 * content-length range, exact fields) and its q-sign signature (`HMAC-SHA1(HMAC-SHA1(SecretKey, q-key-time),
 * SHA1(policy))`), and hands over the file as a stream. Fields after `file` are ignored, as COS does.
 */
export function readPostForm(
  req: IncomingMessage,
  bucket: string,
  accepted: readonly Credentials[],
): Promise<PostUpload> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fields: 100, fieldSize: 64 * 1024, files: 1 } });
    } catch {
      reject(new CosError("InvalidArgument", "POST Object needs a multipart/form-data body"));
      return;
    }
    const fields = new Map<string, string>();
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    parser.on("field", (name, value) => {
      if (!settled) fields.set(name.toLowerCase(), value);
    });
    parser.on("file", (name, file, info) => {
      if (settled || name.toLowerCase() !== "file") {
        file.resume();
        return;
      }
      try {
        const upload = checkForm(fields, bucket, info.filename ?? "", accepted);
        settled = true;
        resolve({ ...upload, file });
      } catch (error) {
        file.resume();
        fail(error);
      }
    });
    parser.on("error", (error) =>
      fail(new CosError("MalformedPOSTRequest", `the form is malformed: ${(error as Error).message}`)),
    );
    parser.on("close", () => fail(new CosError("InvalidArgument", "the form has no file field")));
    req.pipe(parser);
  });
}

function checkForm(
  fields: Map<string, string>,
  bucket: string,
  filename: string,
  accepted: readonly Credentials[],
): Omit<PostUpload, "file"> {
  const template = fields.get("key");
  if (!template) throw new CosError("InvalidArgument", "the form has no key field");
  // biome-ignore lint/suspicious/noTemplateCurlyInString: ${filename} is COS's placeholder in the key field
  const key = template.replace("${filename}", filename);
  const policyText = fields.get("policy");
  if (!policyText) throw new CosError("AccessDenied", "the form has no policy");
  const signature = fields.get("q-signature") ?? "";
  const credentials = accepted.find((c) => c.secretId === fields.get("q-ak"));
  if (!credentials)
    throw new CosError("InvalidAccessKeyId", "the access key Id you provided does not exist in our records");
  const keyTime = fields.get("q-key-time") ?? "";
  const window = /^(\d+);(\d+)$/.exec(keyTime);
  if (!window) throw new CosError("AccessDenied", "malformed q-key-time");
  if (Date.now() / 1000 > Number(window[2])) throw new CosError("AccessDenied", "Request has expired");
  const policyJson = Buffer.from(policyText, "base64").toString("utf8");
  const signKey = createHmac("sha1", credentials.secretKey).update(keyTime).digest("hex");
  const expected = createHmac("sha1", signKey)
    .update(createHash("sha1").update(policyJson).digest("hex"))
    .digest("hex");
  if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) {
    throw new CosError(
      "SignatureDoesNotMatch",
      "the request signature we calculated does not match the signature you provided",
    );
  }
  if (credentials.sessionToken !== undefined && fields.get("x-cos-security-token") !== credentials.sessionToken) {
    throw new CosError("InvalidAccessKeyId", "the session token does not match the temporary credentials");
  }
  let policy: { expiration?: string; conditions?: Condition[] };
  try {
    policy = JSON.parse(policyJson);
  } catch {
    throw new CosError("InvalidPolicyDocument", "the policy is not JSON");
  }
  if (!policy.expiration || !(Date.parse(policy.expiration) > Date.now())) {
    throw new CosError("AccessDenied", "the policy has expired or has no expiration");
  }
  let lengthRange: [number, number] | undefined;
  const values = new Map([...fields, ["bucket", bucket], ["key", key]]);
  for (const condition of policy.conditions ?? []) {
    if (Array.isArray(condition)) {
      const [op, name, value] = condition;
      if (op === "content-length-range") {
        lengthRange = [Number(name), Number(value)];
        continue;
      }
      const actual = values.get(String(name).replace(/^\$/, "").toLowerCase()) ?? "";
      const ok = op === "eq" ? actual === value : op === "starts-with" ? actual.startsWith(String(value)) : false;
      if (!ok)
        throw new CosError("AccessDenied", `the form does not meet the policy condition ${JSON.stringify(condition)}`);
    } else {
      for (const [name, value] of Object.entries(condition)) {
        if ((values.get(name.toLowerCase()) ?? "") !== value) {
          throw new CosError(
            "AccessDenied",
            `the form does not meet the policy condition ${JSON.stringify(condition)}`,
          );
        }
      }
    }
  }
  const headers: Record<string, string> = {};
  const meta: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (name.startsWith("x-cos-meta-")) meta[name] = value;
    else if (["cache-control", "content-disposition", "content-encoding", "expires"].includes(name) && value !== "")
      headers[name] = value;
  }
  const status = Number(fields.get("success_action_status") ?? 204);
  return {
    key,
    secretId: credentials.secretId,
    attributes: {
      contentType: storedContentType(fields.get("content-type"), key),
      headers,
      meta,
      storageClass: (fields.get("x-cos-storage-class") ?? "STANDARD").toUpperCase(),
      tags: [],
      // The form's `x-cos-acl` field, as on a PUT (doc 436/14690).
      ...(fields.has("x-cos-acl") && { acl: parseObjectAcl(fields.get("x-cos-acl") as string) }),
    },
    successStatus: status === 200 || status === 201 ? status : 204,
    lengthRange,
    trafficLimit: fields.get("x-cos-traffic-limit"),
  };
}
