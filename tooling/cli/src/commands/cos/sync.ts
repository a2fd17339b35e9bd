import { stat } from "node:fs/promises";
import { CommandError, UsageError } from "../../io.ts";
import type { Cos } from "./connect.ts";
import { uploadOptions, uploadSettings } from "./cp.ts";
import { fileHashes, localPath, walkFiles } from "./local-files.ts";
import { downloadFile, uploadFile } from "./transfer.ts";
import { asFolder, cosUrl, parseCosUrl } from "./url.ts";
import type { Verb } from "./verb.ts";

/** Whether the object at `key` holds what the local file holds: same size, then same CRC-64 (COS's HEAD). */
async function same(cos: Cos, bucket: string, key: string, file: string, size: number, remoteSize: number | undefined) {
  if (remoteSize === undefined || remoteSize !== size) return false;
  const info = await cos.client.head(bucket, key);
  if (!info?.crc64) return false;
  return (await fileHashes(file)).crc64 === info.crc64;
}

export const sync: Verb = {
  usage: "sync <FOLDER|cos://<bucket>/<prefix>> <cos://<bucket>/<prefix>|FOLDER> [--part-size MiB] [--thread-num N]",
  summary:
    "copy only what differs, one way: a file is skipped when the other side has the same size and CRC-64 (COS's x-cos-hash-crc64ecma); nothing is deleted",
  options: { ...uploadOptions },
  async run(args, values, { io, cos }) {
    if (args.length !== 2) throw new UsageError("usage: cosfn cos sync <SRC> <DST>");
    const [source, target] = args as [string, string];
    const from = parseCosUrl(source);
    const to = parseCosUrl(target);
    if (Boolean(from) === Boolean(to)) throw new UsageError("sync goes between a local folder and a cos:// prefix");
    const connection = cos();
    let copied = 0;
    let unchanged = 0;
    if (to) {
      const info = await stat(source).catch(() => undefined);
      if (!info?.isDirectory()) throw new CommandError(`${source}: not a folder`);
      const prefix = asFolder(to.key);
      const remote = new Map<string, number>();
      for await (const object of connection.client.list(to.bucket, { prefix })) remote.set(object.key, object.size);
      const settings = uploadSettings(values);
      for await (const file of walkFiles(source)) {
        const key = prefix + file.relative;
        if (await same(connection, to.bucket, key, file.path, file.size, remote.get(key))) {
          unchanged++;
          continue;
        }
        await uploadFile(connection, io, file, { bucket: to.bucket, key }, settings);
        io.stderr.write(`uploaded ${file.path} to ${cosUrl(to.bucket, key)}\n`);
        copied++;
      }
    } else if (from) {
      const prefix = from.key === "" ? "" : asFolder(from.key);
      for await (const object of connection.client.list(from.bucket, { prefix })) {
        if (object.key.endsWith("/")) continue;
        const file = localPath(target, object.key, prefix);
        const local = await stat(file).catch(() => undefined);
        if (local?.isFile() && (await same(connection, from.bucket, object.key, file, local.size, object.size))) {
          unchanged++;
          continue;
        }
        await downloadFile(connection, io, { bucket: from.bucket, key: object.key, size: object.size }, file);
        io.stderr.write(`downloaded ${cosUrl(from.bucket, object.key)} to ${file}\n`);
        copied++;
      }
    }
    io.stderr.write(`synced: ${copied} copied, ${unchanged} unchanged (same size and CRC-64)\n`);
    return 0;
  },
};
