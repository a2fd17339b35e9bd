import { parseArgs } from "node:util";
import { COS_EVENT_NAMES, type CosEventName, cosEvent } from "@cosfn/events";
import { type Io, UsageError } from "../io.ts";

/** What each event name means, as COS documents it; the two wildcards are trigger patterns, not events. */
export const EVENT_MEANINGS: Record<CosEventName, string> = {
  "cos:ObjectCreated:*": "(trigger pattern) any of the cos:ObjectCreated events below",
  "cos:ObjectCreated:Put": "an object uploaded with PUT Object",
  "cos:ObjectCreated:Post": "an object uploaded with POST Object (a browser form)",
  "cos:ObjectCreated:Copy": "an object created by PUT Object - Copy",
  "cos:ObjectCreated:CompleteMultipartUpload": "a multipart upload completed",
  "cos:ObjectCreated:Origin": "an object fetched from the origin by origin pull (mirror back-to-origin)",
  "cos:ObjectCreated:Replication": "an object written by cross-region replication",
  "cos:ObjectRemove:*": "(trigger pattern) any of the cos:ObjectRemove events below",
  "cos:ObjectRemove:Delete": "an object (or, in a versioned bucket, a version by its id) deleted",
  "cos:ObjectRemove:DeleteMarkerCreated": "a delete marker created in a versioned bucket (DELETE without a version id)",
  "cos:ObjectRestore:Post": "the restore of an ARCHIVE or DEEP_ARCHIVE object requested",
  "cos:ObjectRestore:Completed": "the restore of an archived object completed (the temporary copy is readable)",
};

/** The twelve names with their meanings, one a line. */
export function eventList(): string {
  const width = Math.max(...COS_EVENT_NAMES.map((name) => name.length));
  return COS_EVENT_NAMES.map((name) => `  ${name.padEnd(width)}  ${EVENT_MEANINGS[name]}`).join("\n");
}

export const help = `Usage: cosfn event <eventName> --bucket <name-appid> --region <region> --key <key> [options]
       cosfn event --list

Prints a COS trigger event in the exact shape SCF passes to main_handler, for cosfn parse, cosfn invoke or
your own tests.

Arguments:
  <eventName>            one of the event names below (not a trigger pattern: a delivered event has one name)

Event names (cosfn event --list):
${eventList()}

Options:
  --bucket <name-appid>  the full bucket name, e.g. examplebucket-1250000000 (required)
  --region <region>      full name or short code, e.g. ap-guangzhou or gz (required)
  --key <key>            the object key, not encoded (required)
  --size <bytes>         object size (default 0)
  --etag <etag>          the object's ETag
  --vid <versionId>      the version id, for versioned buckets
  --content-type <type>  the object's Content-Type
  --meta <name=value>    an x-cos-meta-<name> pair; repeat for more
  --time <iso|seconds>   the event time (default now)
  --encode-key           percent-encode the key inside cosObject.key (by default it is raw, as in captured events)
  --list                 print the event names with what each means, and exit
  -h, --help             show this help
`;

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      bucket: { type: "string" },
      region: { type: "string" },
      key: { type: "string" },
      size: { type: "string" },
      etag: { type: "string" },
      vid: { type: "string" },
      "content-type": { type: "string" },
      meta: { type: "string", multiple: true },
      time: { type: "string" },
      "encode-key": { type: "boolean" },
      list: { type: "boolean" },
    },
  });
  const [eventName, ...extra] = positionals;
  if (values.list) {
    if (positionals.length > 0) throw new UsageError("--list takes no <eventName>");
    io.stdout.write(`${eventList()}\n`);
    return 0;
  }
  if (!eventName) throw new UsageError(`missing <eventName>; one of:\n${eventList()}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!(COS_EVENT_NAMES as readonly string[]).includes(eventName) || eventName.endsWith(":*")) {
    const why = eventName.endsWith(":*") ? "is a trigger pattern, not an event" : "is not a COS event name";
    throw new UsageError(`${JSON.stringify(eventName)} ${why}; one of:\n${eventList()}`);
  }
  const { bucket, region, key } = values;
  for (const [name, value] of Object.entries({ bucket, region, key })) {
    if (value === undefined) throw new UsageError(`missing --${name}`);
  }
  const event = cosEvent({
    eventName,
    bucket: bucket as string,
    region: region as string,
    key: key as string,
    ...(values.size !== undefined && { size: parseSize(values.size) }),
    ...(values.etag !== undefined && { etag: values.etag }),
    ...(values.vid !== undefined && { versionId: values.vid }),
    ...(values["content-type"] !== undefined && { contentType: values["content-type"] }),
    ...(values.meta !== undefined && { userMetadata: parseMeta(values.meta) }),
    ...(values.time !== undefined && { eventTime: parseTime(values.time) }),
    ...(values["encode-key"] && { keyEncoding: "percent" as const }),
  });
  io.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
  return 0;
}

function parseSize(text: string): number {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--size ${JSON.stringify(text)}: expected a whole number of bytes`);
  }
  return Number(text);
}

function parseMeta(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at < 1) throw new UsageError(`--meta ${JSON.stringify(pair)}: expected <name>=<value>`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

function parseTime(text: string): Date {
  const time = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  if (Number.isNaN(time.getTime())) {
    throw new UsageError(`--time ${JSON.stringify(text)}: expected an ISO 8601 time or Unix seconds`);
  }
  return time;
}
