import { CI_ERRNO } from "../ci/limits.ts";
import { CosError } from "./errors.ts";
import { bucketName, type RequestContext } from "./request.ts";

/** Cloud Infinite on an object: `GET /<key>?ci-process=...`, answered by the configured CI handler. */
export async function ciProcess(context: RequestContext): Promise<void> {
  const { res, key, query, options } = context;
  const object = options.store.head(bucketName(context), key);
  if (!object) {
    throw new CosError("NoSuchKey", "the specified key does not exist", { "X-ErrNo": String(CI_ERRNO.missing) });
  }
  if (!options.ciProcess) throw new CosError("NotImplemented", "Cloud Infinite is not enabled on this local cloud");
  const answer = await options.ciProcess({
    process: query.get("ci-process") ?? "",
    query,
    bucket: bucketName(context),
    object,
    store: options.store,
  });
  const body = Buffer.from(answer.body);
  res.writeHead(answer.status, {
    "Content-Type": answer.contentType ?? "application/xml",
    "Content-Length": body.length,
  });
  res.end(body);
}
