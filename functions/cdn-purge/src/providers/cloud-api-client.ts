import { Agent } from "node:http";
import { connect } from "node:net";
import type { Client } from "tencentcloud-sdk-nodejs-cdn/tencentcloud/services/cdn/v20180606/cdn_client.js";
import type { CloudCredentials } from "./types.ts";

/** What every `tencentcloud-sdk-nodejs-*` client takes (the common package's `ClientConfig`). */
export type ClientConfig = ConstructorParameters<typeof Client>[0];

export interface CloudApiClientOptions {
  /** The credentials, or a function giving the current ones (read at each request: role credentials rotate). */
  credentials: CloudCredentials | (() => CloudCredentials);
  /** The API's real host, e.g. `cdn.tencentcloudapi.com`: the Host header and the signature's service. */
  host: string;
  /** `http://127.0.0.1:<port>`: connect there instead (the local cloud), keeping the real host and signature. */
  endpoint?: string | undefined;
  /** Seconds before a request is abandoned. Default 10. */
  timeoutSeconds?: number | undefined;
}

/**
 * The configuration of a `tencentcloud-sdk-nodejs-*` client, for the real API or for the local cloud. With an
 * `endpoint`, the request keeps its real Host (`cdn.tencentcloudapi.com`) and so its real TC3 signature, and an
 * `http.Agent` sends every connection to the endpoint's address instead: what the production client signs is
 * what the local cloud verifies.
 */
export function cloudApiClientConfig(options: CloudApiClientOptions): ClientConfig {
  const { credentials } = options;
  const current = typeof credentials === "function" ? credentials : () => credentials;
  const credential = {
    async getCredential() {
      const { secretId, secretKey, token } = current();
      return { secretId, secretKey, ...(token ? { token } : {}) };
    },
  };
  const reqTimeout = options.timeoutSeconds ?? 10;
  if (options.endpoint === undefined || options.endpoint === "") {
    return { credential, region: "", profile: { httpProfile: { endpoint: options.host, reqTimeout } } };
  }
  return {
    credential,
    region: "",
    profile: {
      httpProfile: { protocol: "http://", endpoint: options.host, reqTimeout, agent: endpointAgent(options.endpoint) },
    },
  };
}

/** An agent whose every connection goes to `endpoint` (`http://host:port`), whatever the request's host. */
export function endpointAgent(endpoint: string): Agent {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`Cloud API endpoint ${JSON.stringify(endpoint)}: expected http://<host>:<port>`);
  }
  if (url.protocol !== "http:")
    throw new TypeError(`Cloud API endpoint ${JSON.stringify(endpoint)}: only http:// endpoints are supported`);
  const port = Number(url.port || 80);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const agent = new Agent({ keepAlive: true });
  agent.createConnection = () => connect(port, host);
  return agent;
}

/** What every SDK client has: the generic call, which (unlike the typed methods) takes an abort signal. */
interface ActionClient {
  request(action: string, req: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
}

/** Calls `action` with `params`, abandoning the request when `signal` aborts. */
export async function callAction<Response>(
  client: ActionClient,
  action: string,
  params: object,
  signal: AbortSignal | undefined,
): Promise<Response> {
  return (await client.request(action, params, signal ? { signal } : {})) as Response;
}
