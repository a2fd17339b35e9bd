import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { CosClient } from "@cosfn/cos";
import type { CloudApiCall, ConsoleView } from "@cosfn/local-cloud";

/**
 * What `cosfn dev` gives a function's console view (`functions/<name>/src/console-view.ts`). A view declares the
 * part it uses; this is all of it.
 */
export interface ConsoleViewContext {
  functionName: string;
  /** The function's settings: its serverless.yml environment and the `env` of its first trigger in the config. */
  env: Record<string, string>;
  /** The buckets of the function's trigger rules now (the config's and those added in the console). */
  buckets(): readonly string[];
  /** A COS client for a bucket, in that bucket's region, on the local cloud (no writer marker). */
  cos(bucket: string): CosClient;
  /** The Cloud API calls the local cloud recorded (purges, prefetches...), oldest first. */
  cloudApiCalls(): readonly CloudApiCall[];
  /** The repository root. */
  root: string;
}

/** What a view module exports: `consoleView(ctx)`, the view's title and how it loads (its id is the function's name). */
export interface ConsoleViewModule {
  consoleView(ctx: ConsoleViewContext): Pick<ConsoleView, "title" | "load">;
}

/** The view module of a function, if it has one. Never imported by the function's index.ts: not in its bundle. */
export function viewModulePath(root: string, functionName: string): string | undefined {
  const file = join(root, "functions", functionName, "src", "console-view.ts");
  return existsSync(file) ? file : undefined;
}

/** Imports a view module and checks its export, naming the file when it does not fit. */
export async function importViewModule(file: string): Promise<ConsoleViewModule> {
  const module = (await import(pathToFileURL(file).href)) as Partial<ConsoleViewModule>;
  if (typeof module.consoleView !== "function")
    throw new Error(`${file} exports no consoleView(ctx) function (see tooling/cli/README.md, "cosfn dev")`);
  return module as ConsoleViewModule;
}
