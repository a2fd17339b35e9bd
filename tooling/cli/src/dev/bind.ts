import { appendFile } from "node:fs/promises";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { AttemptLog, TriggerRule } from "@cosfn/local-cloud";
import type { DevTrigger } from "../dev-config.ts";
import { deployedSettings, runFunction } from "../function-run.ts";

/** What every function run of `cosfn dev` shares: the project, the local cloud's environment, the log file. */
export interface DevRuntime {
  /** The repository root: functions are `<root>/functions/<name>`. */
  root: string;
  /** COSFN_COS_ENDPOINT, COSFN_CLOUD_API_ENDPOINT and the credentials of the local cloud. */
  cloudEnv: Record<string, string>;
  /** Where each run's logs and result are appended. */
  logFile: string;
}

/**
 * The trigger rule of one trigger (of the config, or one the console adds): each matching change runs the function from source in a fresh process, with
 * its serverless.yml environment and the trigger's `env`. The function's output goes to the attempt's logs, line
 * by line (the console shows them per attempt), and with the result to the log file.
 */
export function functionRule(trigger: DevTrigger, runtime: DevRuntime): TriggerRule {
  const dir = join(runtime.root, "functions", trigger.function);
  return {
    bucket: trigger.bucket,
    events: trigger.events,
    prefix: trigger.prefix,
    suffix: trigger.suffix,
    functionName: trigger.function,
    handler: async (event: unknown, _context: unknown, attempt: AttemptLog) => {
      const settings = deployedSettings(dir, trigger.function);
      let logs = "";
      let partial = "";
      // A character split across two chunks is decoded whole.
      const decoder = new StringDecoder("utf8");
      const outcome = await runFunction({
        entry: join(dir, "src", "index.ts"),
        event,
        settings,
        env: { ...process.env, ...runtime.cloudEnv, ...settings.environment, ...trigger.env },
        onLog: (chunk) => {
          const text = decoder.write(chunk);
          logs += text;
          const lines = (partial + text).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) attempt.log(line);
        },
      });
      partial += decoder.end();
      if (partial) attempt.log(partial);
      const record = {
        time: new Date().toISOString(),
        function: trigger.function,
        ok: outcome.ok,
        result: outcome.result,
        error: outcome.error,
      };
      await appendFile(runtime.logFile, `${logs}${JSON.stringify(record)}\n`);
      if (!outcome.ok) throw new Error(outcome.error?.message ?? "the function failed");
      return outcome.result;
    },
  };
}
