import { UsageError } from "../../io.ts";
import { requireCosUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const rb: Verb = {
  usage: "rb cos://<bucket> [--region R]",
  summary: "delete an empty bucket (COS refuses one with objects: BucketNotEmpty; rm -r them first)",
  options: {},
  async run(args, _values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos rb cos://<bucket>");
    const url = requireCosUrl(args[0], "cos://<bucket>");
    if (url.key !== "") throw new UsageError(`${args[0]}: expected cos://<bucket>, without a key`);
    const connection = cos();
    await connection.call("delete bucket", url.bucket, undefined, (sdk) =>
      sdk.deleteBucket({ Bucket: url.bucket, Region: connection.region }),
    );
    io.stderr.write(`deleted cos://${url.bucket}\n`);
    return 0;
  },
};
