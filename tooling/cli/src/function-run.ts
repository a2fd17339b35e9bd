import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { scfContext } from "@cosfn/local-cloud";
import { parse as parseYaml } from "yaml";

/** What `serverless.yml` says that matters to a local run: the function's name, memory, timeout and region. */
export interface DeployedSettings {
  name: string;
  memoryMb: number;
  timeoutSeconds: number;
  region: string;
  environment: Record<string, string>;
}

/** Reads a function's `serverless.yml`; defaults (128 MB, 3 s, ap-guangzhou) where it is silent or absent. */
export function deployedSettings(dir: string, fallbackName: string): DeployedSettings {
  const file = join(dir, "serverless.yml");
  const inputs = existsSync(file)
    ? ((parseYaml(readFileSync(file, "utf8")) as { inputs?: Record<string, unknown> })?.inputs ?? {})
    : {};
  const variables = ((inputs.environment as { variables?: Record<string, unknown> } | undefined)?.variables ??
    {}) as Record<string, unknown>;
  return {
    name: typeof inputs.name === "string" ? inputs.name : fallbackName,
    memoryMb: Number(inputs.memorySize ?? 128),
    timeoutSeconds: Number(inputs.timeout ?? 3),
    region: typeof inputs.region === "string" ? inputs.region : "ap-guangzhou",
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
  };
}

export interface RunResult {
  ok: boolean;
  result?: unknown;
  error?: { name: string; message: string; code?: unknown; summary?: unknown };
  durationMs: number;
}

const runner = fileURLToPath(new URL("./runner/invoke-child.ts", import.meta.url));
/** tsx's loader, resolved from here so that the child finds it whatever its working directory. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/**
 * Runs a function's main_handler once, in a fresh process (so edits to its source always take effect), with
 * an SCF-like context from its deployed settings. The function's logs are passed to `onLog`.
 */
export function runFunction(options: {
  entry: string;
  event: unknown;
  settings: DeployedSettings;
  env: Record<string, string | undefined>;
  onLog: (chunk: Buffer) => void;
}): Promise<RunResult> {
  const started = Date.now();
  const context = scfContext({
    function_name: options.settings.name,
    memory_limit_in_mb: options.settings.memoryMb,
    time_limit_in_ms: options.settings.timeoutSeconds * 1000,
    tencentcloud_region: options.settings.region,
    environment: Object.fromEntries(
      Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, runner, options.entry], {
      env: { ...options.env },
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    child.stdout?.on("data", options.onLog);
    child.stderr?.on("data", options.onLog);
    let answer: Omit<RunResult, "durationMs"> | undefined;
    child.on("message", (message) => {
      answer = message as Omit<RunResult, "durationMs">;
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const durationMs = Date.now() - started;
      if (answer) resolve({ ...answer, durationMs });
      else {
        resolve({
          ok: false,
          error: {
            name: "ProcessExit",
            message: `the function's process exited (${signal ?? `code ${code}`}) without an answer`,
          },
          durationMs,
        });
      }
    });
    child.send({ event: options.event, context });
  });
}
