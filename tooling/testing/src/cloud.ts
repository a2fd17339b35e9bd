import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from "@cosfn/local-cloud";

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
