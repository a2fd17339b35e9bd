import { parseArgs } from "node:util";
import { type Io, UsageError } from "../../io.ts";
import { regionOption } from "../../region-option.ts";
import { cat } from "./cat.ts";
import { type Cos, connect } from "./connect.ts";
import { cp } from "./cp.ts";
import { du } from "./du.ts";
import { hash } from "./hash.ts";
import { ls } from "./ls.ts";
import { mb } from "./mb.ts";
import { rb } from "./rb.ts";
import { rm } from "./rm.ts";
import { signurl } from "./signurl.ts";
import { sync } from "./sync.ts";
import type { Verb } from "./verb.ts";

export { parseCosUrl } from "./url.ts";

const verbs: Record<string, Verb> = { ls, cp, sync, rm, cat, du, hash, signurl, mb, rb };

/** Wraps a verb's summary under its usage line. */
function describe(verb: Verb): string {
  const words = verb.summary.split(" ");
  const lines: string[] = [];
  let line = "     ";
  for (const word of words) {
    if (line.length + word.length > 110) {
      lines.push(line);
      line = "     ";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return `  cosfn cos ${verb.usage}\n${lines.join("\n")}`;
}

export const help = `Usage: cosfn cos <verb> ... [--region R]

The everyday verbs of coscli on cos://<bucket>/<key> URLs (<bucket> is the full name, name-appid):

${Object.values(verbs).map(describe).join("\n")}

Talks to COSFN_COS_ENDPOINT when it is set (e.g. the local cloud of "cosfn dev"), else to Tencent Cloud,
with the credentials in TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN).
Against COSFN_COS_ENDPOINT with no credentials set, it uses the local cloud's defaults. Failures exit 1
with COS's error code and message, naming the object. Transfers draw a progress bar on standard error when
it is a terminal, and none when it is piped or redirected. Writing to a closed pipe (| head) ends quietly,
with status 141.

Options:
  --region <R>   the buckets' region, a full name or its code (gz); default COSFN_REGION, else
                 ap-guangzhou; a malformed one is refused (exit 2)
  --help         show this help (-h is ls's human-readable sizes)

Exit status:
  0    done
  1    failed: "error: <what and where>" on standard error
  2    usage error (unknown verb or option, missing or extra argument)
  141  standard output closed by its reader (| head), as cat and ls end
`;

/** -h means human-readable sizes here, as in coscli and ls; only --help asks for the help. */
export const helpFlags = ["--help"];

/** The verb: the first argument that is not an option (nor --region's value). */
function findVerb(argv: string[]): { name: string | undefined; rest: string[] } {
  for (let at = 0; at < argv.length; at++) {
    const arg = argv[at] as string;
    if (arg === "--region") {
      at++;
      continue;
    }
    if (!arg.startsWith("-")) return { name: arg, rest: [...argv.slice(0, at), ...argv.slice(at + 1)] };
  }
  return { name: undefined, rest: argv };
}

export async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { name, rest } = findVerb(argv);
  const verb = name === undefined ? undefined : verbs[name];
  if (!verb) {
    const known = Object.keys(verbs).join(", ");
    throw new UsageError(
      name === undefined ? `expected a verb: ${known}` : `unknown verb ${JSON.stringify(name)} (known: ${known})`,
    );
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { ...verb.options, region: { type: "string" } },
  });
  const region = regionOption((values.region as string | undefined) ?? env.COSFN_REGION ?? "ap-guangzhou");
  let connection: Cos | undefined;
  return verb.run(positionals, values, {
    io,
    env,
    region,
    cos: () => {
      connection ??= connect(region, env);
      return connection;
    },
  });
}
