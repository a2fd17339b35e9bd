import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "@cosfn/local-cloud";
import { afterAll, beforeAll } from "vitest";

/** A local cloud for a test file, with the environment a function needs to reach it. */
export interface TestCloud {
  cloud: LocalCloud;
  /** `COSFN_COS_ENDPOINT`, `COSFN_CLOUD_API_ENDPOINT` and the credentials the cloud accepts. */
  env: Record<string, string>;
  /** Stops the cloud and restores the variables `start` set. */
  close(): Promise<void>;
}

/**
 * Starts a local cloud (short SCF retry delays by default) and points `process.env` at it, so that the code
 * under test, which reads its settings from the environment, talks to it. Call `close()` in `afterAll`.
 */
export async function startTestCloud(options: LocalCloudOptions = {}): Promise<TestCloud> {
  const cloud = await startLocalCloud({ triggers: { retryDelaysMs: [10, 20] }, ...options });
  const [credentials] = cloud.credentials;
  const env: Record<string, string> = {
    COSFN_COS_ENDPOINT: cloud.endpoint,
    COSFN_CLOUD_API_ENDPOINT: cloud.endpoint,
    TENCENTCLOUD_SECRETID: credentials?.secretId ?? "",
    TENCENTCLOUD_SECRETKEY: credentials?.secretKey ?? "",
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  return {
    cloud,
    env,
    async close() {
      await cloud.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}

/** The bucket of the fixture events and the examples: the one `useTestCloud` creates unless told otherwise. */
export const EXAMPLE_BUCKET = "examplebucket-1250000000";

export interface UseTestCloudOptions extends LocalCloudOptions {
  /** `COSFN_LOG_LEVEL` while the file's tests run; default `error`, so a function's own logs stay quiet. */
  logLevel?: "debug" | "info" | "warn" | "error";
}

/**
 * A local cloud for one vitest file, with the example bucket unless `buckets` says otherwise: started before its tests (with the environment pointing at it and the
 * function's logs quieted), closed after them. Returns a handle whose `cloud` and `env` are set once the file's
 * `beforeAll` ran; read them inside tests or hooks, not at the top level of the file.
 */
export function useTestCloud(started: (test: TestCloud) => void): TestCloud;
export function useTestCloud(options?: UseTestCloudOptions, started?: (test: TestCloud) => void): TestCloud;
export function useTestCloud(
  first: UseTestCloudOptions | ((test: TestCloud) => void) = {},
  /** Called with the started cloud in `beforeAll`, for files that keep it in a variable of their own. */
  then?: (test: TestCloud) => void,
): TestCloud {
  const options = typeof first === "function" ? {} : first;
  const started = typeof first === "function" ? first : then;
  const { logLevel = "error", buckets = [EXAMPLE_BUCKET], ...rest } = options;
  const cloudOptions = { buckets, ...rest };
  let running: TestCloud | undefined;
  let savedLevel: string | undefined;
  const handle = {
    get cloud(): LocalCloud {
      if (!running) throw new Error("useTestCloud: the cloud starts in beforeAll; use it inside a test or hook");
      return running.cloud;
    },
    get env(): Record<string, string> {
      if (!running) throw new Error("useTestCloud: the cloud starts in beforeAll; use it inside a test or hook");
      return running.env;
    },
    close: async () => {
      await running?.close();
      running = undefined;
    },
  };
  beforeAll(async () => {
    running = await startTestCloud(cloudOptions);
    savedLevel = process.env.COSFN_LOG_LEVEL;
    process.env.COSFN_LOG_LEVEL = logLevel;
    started?.(handle);
  });
  afterAll(async () => {
    if (savedLevel === undefined) delete process.env.COSFN_LOG_LEVEL;
    else process.env.COSFN_LOG_LEVEL = savedLevel;
    await handle.close();
  });
  return handle;
}
