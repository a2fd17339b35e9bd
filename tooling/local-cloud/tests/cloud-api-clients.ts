import cdnSdk from "tencentcloud-sdk-nodejs-cdn";
import teoSdk from "tencentcloud-sdk-nodejs-teo";
import type { LocalCloud } from "../src/index.ts";
import { localAgent } from "./sdk.ts";

/**
 * The official CDN (2018-06-06) and EdgeOne (2022-09-01) clients, signing for their real endpoints while their
 * connections go to the local cloud.
 */
export function cloudApiClients(cloud: LocalCloud, overrides: { secretKey?: string; token?: string } = {}) {
  const [credentials] = cloud.credentials;
  if (!credentials) throw new Error("the local cloud has no credentials");
  const credential = {
    secretId: credentials.secretId,
    secretKey: overrides.secretKey ?? credentials.secretKey,
    ...(overrides.token && { token: overrides.token }),
  };
  const profile = (endpoint: string) => ({
    httpProfile: { protocol: "http://", endpoint, agent: localAgent(cloud.port) },
  });
  return {
    cdn: new cdnSdk.cdn.v20180606.Client({ credential, region: "", profile: profile("cdn.tencentcloudapi.com") }),
    teo: new teoSdk.teo.v20220901.Client({ credential, region: "", profile: profile("teo.tencentcloudapi.com") }),
  };
}

/** The Cloud API error code a call answered, or `ok`. */
export async function apiOutcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return "ok";
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string") throw error;
    return code;
  }
}

/** `count` distinct URLs under `base` (`https://host/dir/`), for filling batches. */
export function numberedUrls(base: string, count: number, suffix = ""): string[] {
  return Array.from({ length: count }, (_, i) => `${base}${i}${suffix}`);
}
