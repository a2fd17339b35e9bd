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

/**
 * How a run ended, with SCF's status code for each failure (doc 583/35311): `ok`; `error`, the handler threw or
 * the function did not load (430 User code exception); `timeout` (433 TimeLimitReached); `memory` (434
 * MemoryLimitReached); `crash`, the process ended without an answer.
 */
export type RunStatus = "ok" | "error" | "timeout" | "memory" | "crash";

export interface RunResult {
  ok: boolean;
  status: RunStatus;
  result?: unknown;
  error?: { name: string; message: string; code?: unknown; summary?: unknown; stack?: string };
  /** The handler's run, from the event's delivery to its answer (or to the stop). */
  durationMs: number;
  /** Loading the function in its fresh process: every local run is a cold start. */
  initMs: number;
  /** The process's peak resident memory, in MiB. */
  maxMemoryMb: number;
  requestId: string;
}

/** SCF's default limit on a function's initialization (InitTimeout). */
const INIT_TIMEOUT_MS = 65_000;

const runner = fileURLToPath(new URL("./runner/invoke-child.ts", import.meta.url));
/** tsx's loader, resolved from here so that the child finds it whatever its working directory. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The peak resident memory of a process so far, in KiB (Linux's VmHWM), or 0 where /proc cannot tell. */
function peakRssKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs a function's main_handler once, in a fresh process (so edits to its source always take effect), with
 * an SCF-like context from its deployed settings, as SCF runs it: the heap bounded by memorySize
 * (--max-old-space-size), the run stopped at the time limit (timeout, counted from the event's delivery, after
 * the cold start), stacks source-mapped. The function's logs are passed to `onLog`.
 */
export function runFunction(options: {
  entry: string;
  event: unknown;
  settings: DeployedSettings;
  env: Record<string, string | undefined>;
  onLog: (chunk: Buffer) => void;
}): Promise<RunResult> {
  const { settings } = options;
  const context = scfContext({
    function_name: settings.name,
    memory_limit_in_mb: settings.memoryMb,
    time_limit_in_ms: settings.timeoutSeconds * 1000,
    tencentcloud_region: settings.region,
    environment: Object.fromEntries(
      Object.entries(options.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
  });
  const requestId = String((context as { request_id?: unknown }).request_id ?? "");
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${settings.memoryMb}`,
        "--enable-source-maps",
        "--import",
        tsxLoader,
        runner,
        options.entry,
      ],
      { env: { ...options.env }, stdio: ["ignore", "pipe", "pipe", "ipc"] },
    );
    let logTail = "";
    const onLog = (chunk: Buffer) => {
      logTail = (logTail + chunk.toString()).slice(-4096);
      options.onLog(chunk);
    };
    child.stdout?.on("data", onLog);
    child.stderr?.on("data", onLog);
    let peakKb = 0;
    const sampler = setInterval(() => {
      peakKb = Math.max(peakKb, peakRssKb(child.pid));
    }, 50);
    let initMs = 0;
    let deliveredAt: number | undefined;
    let timedOut = false;
    // SCF gives a function's initialization its own limit (InitTimeout, 65 s by default): a load that hangs ends.
    let initTimedOut = false;
    let timer: NodeJS.Timeout | undefined = setTimeout(() => {
      initTimedOut = true;
      child.kill("SIGKILL");
    }, INIT_TIMEOUT_MS);
    let answer:
      | (Omit<RunResult, "durationMs" | "initMs" | "maxMemoryMb" | "requestId" | "status"> & {
          durationMs: number;
          maxRssKb: number;
        })
      | undefined;
    child.on("message", (message: { type?: string; initMs?: number } & Record<string, unknown>) => {
      if (message.type === "ready") {
        clearTimeout(timer);
        initMs = message.initMs ?? 0;
        deliveredAt = performance.now();
        timer = setTimeout(() => {
          timedOut = true;
          peakKb = Math.max(peakKb, peakRssKb(child.pid));
          child.kill("SIGKILL");
        }, settings.timeoutSeconds * 1000);
        try {
          child.send({ event: options.event, context });
        } catch (error) {
          child.kill("SIGKILL");
          reject(error);
        }
      } else if (message.type === "answer") answer = message as unknown as typeof answer;
    });
    child.on("error", (error) => {
      clearInterval(sampler);
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearInterval(sampler);
      clearTimeout(timer);
      const elapsed = deliveredAt === undefined ? 0 : performance.now() - deliveredAt;
      const common = { initMs, requestId };
      if (answer && !timedOut) {
        const { durationMs, maxRssKb, ...rest } = answer;
        resolve({
          ...rest,
          ...common,
          status: answer.ok ? "ok" : "error",
          durationMs,
          maxMemoryMb: Math.max(maxRssKb, peakKb) / 1024,
        });
        return;
      }
      const maxMemoryMb = peakKb / 1024;
      if (initTimedOut) {
        resolve({
          ok: false,
          status: "timeout",
          error: {
            name: "InitTimeout",
            message: `${settings.name} did not finish loading within ${INIT_TIMEOUT_MS / 1000} s (SCF's default initialization limit) and was stopped`,
          },
          durationMs: 0,
          maxMemoryMb,
          ...common,
          initMs: INIT_TIMEOUT_MS,
        });
      } else if (timedOut) {
        resolve({
          ok: false,
          status: "timeout",
          error: {
            name: "TimeLimitReached",
            message: `${settings.name} timed out after ${settings.timeoutSeconds} s (serverless.yml timeout) and was stopped, as SCF stops it (status 433)`,
          },
          durationMs: elapsed,
          maxMemoryMb,
          ...common,
        });
      } else if (/heap out of memory|Reached heap limit/.test(logTail)) {
        resolve({
          ok: false,
          status: "memory",
          error: {
            name: "MemoryLimitReached",
            message: `${settings.name} used more than its ${settings.memoryMb} MB (serverless.yml memorySize) and was stopped, as SCF stops it (status 434)`,
          },
          durationMs: elapsed,
          maxMemoryMb: Math.max(maxMemoryMb, settings.memoryMb),
          ...common,
        });
      } else {
        resolve({
          ok: false,
          status: "crash",
          error: {
            name: "ProcessExit",
            message: `the function's process exited (${signal ?? `code ${code}`}) without an answer`,
          },
          durationMs: elapsed,
          maxMemoryMb,
          ...common,
        });
      }
    });
  });
}

/** The line SCF and SAM print after each invocation, with the figures of this run. */
export function reportLine(run: RunResult, memoryMb: number): string {
  const fields = [
    `REPORT RequestId: ${run.requestId}`,
    `Duration: ${run.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(run.durationMs))} ms`,
    `Memory Size: ${memoryMb} MB`,
    `Max Memory Used: ${Math.ceil(run.maxMemoryMb)} MB`,
    `Init Duration: ${run.initMs.toFixed(2)} ms`,
  ];
  return fields.join("\t");
}
