import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type CosClient, createCosClient } from "@cosfn/cos";
import type { ConsoleFunctions, ConsoleView, Credentials, LocalCloud } from "@cosfn/local-cloud";
import type { DevConfig } from "../dev-config.ts";
import { deployedSettings } from "../function-run.ts";
import { FUNCTION_NAME } from "../project.ts";
import { type DevRuntime, functionRule } from "./bind.ts";
import { type ConsoleViewContext, importViewModule, viewModulePath } from "./view-module.ts";

/** The project's functions: the folders under `functions/` with a `src/index.ts`, by name. */
export function projectFunctions(root: string): string[] {
  const dir = join(root, "functions");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && FUNCTION_NAME.test(entry.name))
    .filter((entry) => existsSync(join(dir, entry.name, "src", "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/** The `env` of a function's first trigger in the config, else none. */
function configEnv(config: DevConfig | undefined, functionName: string): Record<string, string> {
  return config?.triggers.find((trigger) => trigger.function === functionName)?.env ?? {};
}

/**
 * The functions the console can bind to a rule: the project's (none without a config). A rule added in the console
 * runs its function as a rule of the config does, with the `env` of that function's first trigger in the config.
 * `runtime()` is undefined until the local cloud has started; binding before then is refused.
 */
export function consoleFunctions(
  root: string | undefined,
  config: DevConfig | undefined,
  runtime: () => DevRuntime | undefined,
): ConsoleFunctions {
  return {
    names: () => (root && config ? projectFunctions(root) : []),
    bind(rule) {
      const ready = runtime();
      if (!ready) throw new Error("cosfn dev is still starting: bind the rule again in a moment");
      return functionRule({ ...rule, function: rule.functionName, env: configEnv(config, rule.functionName) }, ready);
    },
  };
}

/**
 * The console views of the functions the config binds that have `src/console-view.ts`, one per function (its id the
 * function's name), in the config's order. A module that does not load is reported through `warn` and skipped:
 * the functions still run.
 */
export async function functionViews(options: {
  cloud: LocalCloud;
  config: DevConfig;
  root: string;
  credentials: Credentials;
  warn: (message: string) => void;
}): Promise<ConsoleView[]> {
  const { cloud, config, root, credentials } = options;
  const clients = new Map<string, CosClient>();
  const cos = (bucket: string): CosClient => {
    const region = cloud.store.getBucket(bucket)?.region ?? config.region;
    let client = clients.get(region);
    if (!client) {
      client = createCosClient({ region, credentials, endpoint: cloud.endpoint });
      clients.set(region, client);
    }
    return client;
  };
  const views: ConsoleView[] = [];
  for (const functionName of new Set(config.triggers.map((trigger) => trigger.function))) {
    const file = viewModulePath(root, functionName);
    if (!file) continue;
    const ctx: ConsoleViewContext = {
      functionName,
      env: {
        ...deployedSettings(join(root, "functions", functionName), functionName).environment,
        ...configEnv(config, functionName),
      },
      buckets: () => [
        ...new Set(cloud.triggers.rules.filter((r) => r.functionName === functionName).map((r) => r.bucket)),
      ],
      cos,
      cloudApiCalls: () => cloud.cloudApi.calls,
      root,
    };
    try {
      const spec = (await importViewModule(file)).consoleView(ctx);
      views.push({ id: functionName, functionName, title: spec.title, load: () => spec.load() });
    } catch (error) {
      options.warn(`the console view of ${functionName} is not shown: ${(error as Error).message}`);
    }
  }
  return views;
}
