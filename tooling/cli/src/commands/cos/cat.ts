import type { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { UsageError } from "../../io.ts";
import { requireObjectUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const cat: Verb = {
  usage: "cat cos://<bucket>/<key>",
  summary: "write an object to standard output",
  options: {},
  async run(args, _values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos cat cos://<bucket>/<key>");
    const url = requireObjectUrl(args[0]);
    await pipeline(cos().client.readStream(url.bucket, url.key), io.stdout as Writable, { end: false });
    return 0;
  },
};
