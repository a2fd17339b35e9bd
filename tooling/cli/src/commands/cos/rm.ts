import { CommandError, UsageError } from "../../io.ts";
import { cosUrl, requireCosUrl, requireObjectUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const rm: Verb = {
  usage: "rm cos://<bucket>/<key> | rm -r cos://<bucket>/<prefix>",
  summary:
    "delete an object (a key with no object is an error, nothing deleted); -r every object whose key starts with the prefix (1,000 a request)",
  options: { recursive: { type: "boolean", short: "r" } },
  async run(args, values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos rm [-r] cos://<bucket>/<key>");
    if (values.recursive) {
      const url = requireCosUrl(args[0], "cos://<bucket>/<prefix>");
      const { client } = cos();
      const keys: string[] = [];
      for await (const object of client.list(url.bucket, { prefix: url.key })) keys.push(object.key);
      if (keys.length === 0) throw new CommandError(`rm -r ${cosUrl(url.bucket, url.key)}: no object has this prefix`);
      const failed = await client.deleteObjects(url.bucket, keys);
      for (const failure of failed) {
        io.stderr.write(`error: delete ${cosUrl(url.bucket, failure.key)}: ${failure.code}: ${failure.message}\n`);
      }
      io.stderr.write(`deleted ${keys.length - failed.length} objects under ${cosUrl(url.bucket, url.key)}\n`);
      return failed.length > 0 ? 1 : 0;
    }
    const url = requireObjectUrl(args[0]);
    const { client } = cos();
    // COS answers a DELETE of a missing key 204 as well: ask first, so that a mistyped key is not "deleted".
    if (!(await client.head(url.bucket, url.key))) {
      throw new CommandError(`rm ${cosUrl(url.bucket, url.key)}: no such object (nothing deleted)`);
    }
    await client.deleteObject(url.bucket, url.key);
    io.stderr.write(`deleted ${cosUrl(url.bucket, url.key)}\n`);
    return 0;
  },
};
