import { UsageError } from "../../io.ts";
import { humanSize } from "./format.ts";
import { cosUrl, requireCosUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const du: Verb = {
  usage: "du cos://<bucket>[/<prefix>] [--json]",
  summary: "objects and bytes under the prefix, per storage class and in all",
  options: { json: { type: "boolean" } },
  async run(args, values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos du cos://<bucket>[/<prefix>]");
    const url = requireCosUrl(args[0], "cos://<bucket>[/<prefix>]");
    const classes = new Map<string, { objects: number; bytes: number }>();
    const total = { objects: 0, bytes: 0 };
    for await (const object of cos().client.list(url.bucket, { prefix: url.key })) {
      const entry = classes.get(object.storageClass) ?? { objects: 0, bytes: 0 };
      entry.objects++;
      entry.bytes += object.size;
      classes.set(object.storageClass, entry);
      total.objects++;
      total.bytes += object.size;
    }
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ url: cosUrl(url.bucket, url.key), ...total, storageClasses: Object.fromEntries(classes) })}\n`,
      );
      return 0;
    }
    const line = (name: string, n: { objects: number; bytes: number }) =>
      `${name}\t${n.objects} objects\t${n.bytes} bytes\t${humanSize(n.bytes)}\n`;
    for (const [name, entry] of [...classes].sort(([a], [b]) => a.localeCompare(b))) io.stdout.write(line(name, entry));
    io.stdout.write(line("total", total));
    return 0;
  },
};
