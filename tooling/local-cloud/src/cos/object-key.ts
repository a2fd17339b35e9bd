import { CosError } from "./errors.ts";

/**
 * A key's path with its `.` and `..` segments resolved and empty segments dropped, as RFC 3986 §5.2.4 resolves
 * a URL path and as the COS SDKs' `simplifyPath` (`ObjectKeySimplifyCheck`) does: `a/../..` → `/`, `./b` → `/b`.
 */
export function simplifiedKeyPath(key: string): string {
  const segments: string[] = [];
  for (const segment of key.split("/")) {
    if (segment === "..") segments.pop();
    else if (segment !== "" && segment !== ".") segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/**
 * Whether a key is made only of `/`, `.` and `..` segments (`.`, `..`, `/`, `./`, `a/../..`), so that its URL
 * resolves to the bucket itself. The COS SDKs refuse to send a GET Object for such a key (`ObjectKeySimplifyCheck`,
 * on by default: "The Getobject Key is illegal"), because a client or proxy that normalizes the URL turns it into
 * GET Bucket, a listing; COS's naming rules (doc 436/13324) also refuse keys that start with `/`.
 */
export function isBucketPathKey(key: string): boolean {
  return key !== "" && simplifiedKeyPath(key) === "/";
}

/**
 * Refuses a request naming such a key, whatever its method, with 400 InvalidURI. COS does not document what its
 * server answers for them: the refusal and its code are *chosen*, so that no test creates, reads or deletes an
 * object that a normalizing client would address as the bucket.
 */
export function checkObjectKey(key: string, where = "the request's key"): void {
  if (isBucketPathKey(key)) {
    throw new CosError(
      "InvalidURI",
      `${where} ${JSON.stringify(key)} is made only of "/", "." and ".." segments: it resolves to the bucket itself`,
    );
  }
}
