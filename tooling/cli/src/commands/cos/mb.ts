import { UsageError } from "../../io.ts";
import { requireCosUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const mb: Verb = {
  usage: "mb cos://<bucket> [--region R]",
  summary: "create a bucket (name-appid) in the region",
  options: {},
  async run(args, _values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos mb cos://<bucket>");
    const url = requireCosUrl(args[0], "cos://<bucket>");
    if (url.key !== "") throw new UsageError(`${args[0]}: expected cos://<bucket>, without a key`);
    const connection = cos();
    await connection.call("create bucket", url.bucket, undefined, (sdk) =>
      sdk.putBucket({ Bucket: url.bucket, Region: connection.region }),
    );
    io.stderr.write(`created cos://${url.bucket} in ${connection.region}\n`);
    return 0;
  },
};
