import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { makeDirectory } from "../directories.ts";
import { CommandError, type Io, UsageError } from "../io.ts";
import { FUNCTION_NAME, findRoot } from "../project.ts";

export const help = `Usage: cosfn new <name> [--dir ROOT]

Creates functions/<name> with the layout every cosfn function has: src/index.ts (the handler: wiring only),
src/config.ts (settings from the environment), src/process-record.ts (the per-record work, on the runtime's
setup resources and marker-setting COS client), a test against a fixture event and the local cloud that also
proves cam-policy.json against the requests made, serverless.yml with a COS trigger under incoming/ and the
execution role, and a README. The new function describes every uploaded object in a JSON file under
described/; replace that with your own work.

<name>: lowercase letters, digits and "-", e.g. thumbnail-maker.

Options:
  --dir <ROOT>  the project root (default: the nearest folder with a package.json that has workspaces)
  -h, --help    show this help
`;

const templates = fileURLToPath(new URL("../../templates/function/", import.meta.url));

async function templateFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await templateFiles(dir, path)));
    else if (entry.name.endsWith(".tmpl")) out.push(path);
  }
  return out.sort();
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: { type: "string" } },
  });
  const [name, ...extra] = positionals;
  if (!name) throw new UsageError("missing <name>, e.g. cosfn new thumbnail-maker");
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (!FUNCTION_NAME.test(name))
    throw new UsageError(`${JSON.stringify(name)}: use lowercase letters, digits and "-" (2 to 60 characters)`);
  const root = values.dir ?? findRoot();
  const target = join(root, "functions", name);
  if (existsSync(target)) throw new CommandError(`${target} already exists`);
  const files = await templateFiles(templates);
  for (const file of files) {
    const text = (await readFile(join(templates, file), "utf8")).replaceAll("__NAME__", name);
    const out = join(target, file.slice(0, -".tmpl".length));
    await makeDirectory(dirname(out));
    await writeFile(out, text);
  }
  io.stdout.write(
    [
      `created ${relative(process.cwd(), target) || "."}:`,
      ...files.map((file) => `  ${file.slice(0, -".tmpl".length)}`),
      "",
      "next:",
      `  npm install                      # adds the new workspace`,
      `  npx cosfn invoke ${name} --event test-fixtures/events/object-created-put/basic.json`,
      `  npm test`,
      "",
    ].join("\n"),
  );
  return 0;
}
