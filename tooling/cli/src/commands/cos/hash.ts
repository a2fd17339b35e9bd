import { stat } from "node:fs/promises";
import { CommandError, UsageError } from "../../io.ts";
import { fileHashes } from "./local-files.ts";
import { cosUrl, parseCosUrl, requireObjectUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

export const hash: Verb = {
  usage: "hash <FILE|cos://<bucket>/<key>>",
  summary:
    "CRC-64 (ECMA-182, as COS's x-cos-hash-crc64ecma, decimal) and MD5 (hex and base64, as COS's ETag and Content-MD5): computed for a file, as COS stored them for an object (an object uploaded in parts has no MD5 ETag)",
  options: {},
  async run(args, _values, { io, cos }) {
    if (args.length !== 1) throw new UsageError("usage: cosfn cos hash <FILE|cos://<bucket>/<key>>");
    const target = args[0] as string;
    if (parseCosUrl(target)) {
      const url = requireObjectUrl(target);
      const info = await cos().client.head(url.bucket, url.key);
      if (!info) throw new CommandError(`hash ${cosUrl(url.bucket, url.key)}: no such object`);
      io.stdout.write(`crc64-ecma: ${info.crc64 ?? "(not given by COS)"}\n`);
      if (/^[0-9a-f]{32}$/.test(info.etag)) {
        io.stdout.write(`md5: ${info.etag}\nbase64: ${Buffer.from(info.etag, "hex").toString("base64")}\n`);
      } else io.stdout.write(`etag: ${info.etag} (uploaded in parts: not the MD5 of the object)\n`);
      return 0;
    }
    const info = await stat(target).catch((cause) => {
      throw new CommandError(`${target}: cannot read (${(cause as NodeJS.ErrnoException).code})`);
    });
    if (!info.isFile()) throw new CommandError(`${target}: not a file`);
    const { crc64, md5 } = await fileHashes(target);
    io.stdout.write(`crc64-ecma: ${crc64}\nmd5: ${md5.toString("hex")}\nbase64: ${md5.toString("base64")}\n`);
    return 0;
  },
};
