import { UsageError } from "../../io.ts";
import { positiveInteger } from "./format.ts";
import { requireObjectUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const signurl: Verb = {
  usage: "signurl cos://<bucket>/<key> [--time SECONDS]",
  summary:
    "a pre-signed GET URL for the object, valid --time seconds (default 10000, as coscli); against a local cloud the URL names the real host, and a curl line to reach it through COSFN_COS_ENDPOINT goes to standard error",
  options: { time: { type: "string" } },
  async run(args, values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos signurl cos://<bucket>/<key> [--time SECONDS]");
    const url = requireObjectUrl(args[0]);
    const seconds = positiveInteger(values.time as string | undefined, 10_000, "time");
    const connection = cos();
    const signed = connection.sdk.getObjectUrl({
      Bucket: url.bucket,
      Region: connection.region,
      Key: url.key,
      Sign: true,
      Expires: seconds,
    });
    io.stdout.write(`${signed}\n`);
    if (connection.endpoint) {
      const host = new URL(signed).host;
      const local = new URL(connection.endpoint);
      io.stderr.write(
        `through the local cloud: curl --connect-to ${host}:${new URL(signed).port || (signed.startsWith("https:") ? 443 : 80)}:${local.hostname}:${local.port} '${signed}'\n`,
      );
    }
    return 0;
  },
};
