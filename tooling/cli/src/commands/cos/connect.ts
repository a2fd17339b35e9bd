import { type CosClient, CosRequestError, createCosClient } from "@cosfn/cos";
import { LOCAL_CREDENTIALS } from "@cosfn/local-cloud";
import COS from "cos-nodejs-sdk-v5";
import { CommandError } from "../../io.ts";

/** What every verb talks to COS with: the shared client, and the SDK for the calls the client does not make. */
export interface Cos {
  region: string;
  client: CosClient;
  /** Signs and sends bucket and service requests (GET Service, PUT/DELETE Bucket, listings with a delimiter). */
  sdk: COS;
  /** COSFN_COS_ENDPOINT, when requests go to a local cloud. */
  endpoint: string | undefined;
  /** Runs an SDK call, turning its failure into a CosRequestError that names the operation and the object. */
  call<T>(operation: string, bucket: string, key: string | undefined, run: (sdk: COS) => Promise<T>): Promise<T>;
}

function credentials(env: NodeJS.ProcessEnv): { secretId: string; secretKey: string; sessionToken?: string } {
  const hasId = Boolean(env.TENCENTCLOUD_SECRETID);
  const hasKey = Boolean(env.TENCENTCLOUD_SECRETKEY);
  if (hasId !== hasKey) {
    throw new CommandError(
      `set both TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (${hasId ? "the key" : "the id"} is missing)`,
    );
  }
  if (hasId) {
    return {
      secretId: env.TENCENTCLOUD_SECRETID as string,
      secretKey: env.TENCENTCLOUD_SECRETKEY as string,
      ...(env.TENCENTCLOUD_SESSIONTOKEN && { sessionToken: env.TENCENTCLOUD_SESSIONTOKEN }),
    };
  }
  if (!env.COSFN_COS_ENDPOINT) {
    throw new CommandError(
      "no COS endpoint and no credentials: for the local cloud, start cosfn dev and set COSFN_COS_ENDPOINT to the endpoint it prints; for Tencent Cloud, set TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY (and TENCENTCLOUD_SESSIONTOKEN for temporary keys)",
    );
  }
  // Against a local cloud with no credentials set: its defaults, those cosfn dev prints.
  return LOCAL_CREDENTIALS;
}

/** Connects to COSFN_COS_ENDPOINT when set (a local cloud), else to Tencent Cloud, for one region. */
export function connect(region: string, env: NodeJS.ProcessEnv): Cos {
  const keys = credentials(env);
  const endpoint = env.COSFN_COS_ENDPOINT;
  let client: CosClient;
  try {
    client = createCosClient({ region, credentials: keys }, env);
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  const local = endpoint ? /^(https?:)\/\/([^/]+)\/?$/.exec(endpoint.trim()) : null;
  const sdk = new COS({
    SecretId: keys.secretId,
    SecretKey: keys.secretKey,
    ...(keys.sessionToken && { SecurityToken: keys.sessionToken }),
    AutoSwitchHost: false,
    // Sent to the local cloud, signed for the real host, as @cosfn/cos does.
    ...(local && { Protocol: local[1], Ip: local[2], Domain: "{Bucket}.cos.{Region}.myqcloud.com" }),
  } as COS.COSOptions);
  return {
    region,
    client,
    sdk,
    endpoint,
    async call(operation, bucket, key, run) {
      try {
        return await run(sdk);
      } catch (error) {
        const e = (error ?? {}) as {
          code?: unknown;
          statusCode?: number;
          message?: string;
          error?: { Code?: string; Message?: string; RequestId?: string };
        };
        const code = e.error?.Code ?? (typeof e.code === "string" ? e.code : `HTTP${e.statusCode ?? "Error"}`);
        throw new CosRequestError(
          {
            code,
            message: e.error?.Message ?? e.message ?? String(error),
            statusCode: e.statusCode,
            requestId: e.error?.RequestId,
          },
          { operation, bucket, ...(key !== undefined && { key }) },
          error,
        );
      }
    },
  };
}
