import { Agent, request } from "node:http";
import { connect } from "node:net";
import COS from "cos-nodejs-sdk-v5";
import { camSafeUrlEncode, cosSignature, type LocalCloud } from "../src/index.ts";

export const BUCKET = "examplebucket-1250000000";
export const REGION = "ap-guangzhou";

/** The real SDK, pointed at the local cloud the way @cosfn/cos does it: signed for the real host. */
export function sdkFor(
  cloud: LocalCloud,
  overrides: Partial<{ SecretId: string; SecretKey: string; SecurityToken: string }> = {},
): COS {
  const [credentials] = cloud.credentials;
  if (!credentials) throw new Error("the local cloud has no credentials");
  return new COS({
    SecretId: credentials.secretId,
    SecretKey: credentials.secretKey,
    Protocol: "http:",
    Domain: "{Bucket}.cos.{Region}.myqcloud.com",
    Ip: `127.0.0.1:${cloud.port}`,
    AutoSwitchHost: false,
    ...overrides,
  } as COS.COSOptions);
}

export const at = { Bucket: BUCKET, Region: REGION };

/** The attributes of a plain object, for tests that put through the store directly. */
export const PLAIN_ATTRIBUTES = {
  contentType: "application/octet-stream",
  headers: {},
  meta: {},
  storageClass: "STANDARD",
  tags: [],
};

/** The SDK's rejection, for asserting on its code. */
export async function rejection(
  promise: Promise<unknown>,
): Promise<{ code?: string; statusCode?: number; message?: string; headers?: Record<string, string> }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; statusCode?: number };
  }
  throw new Error("expected the call to fail");
}

/**
 * A request the SDK will not send as such (parts out of order, an expired signature), signed with q-sign
 * by hand. `signTime` defaults to a window around now.
 */
export async function rawRequest(
  cloud: LocalCloud,
  options: {
    method: string;
    key?: string;
    query?: [string, string][];
    headers?: Record<string, string>;
    body?: string | Buffer;
    signTime?: string;
    secretKey?: string;
    secretId?: string;
    bucket?: string;
    /** Changes the headers after they were signed, to test tampering. */
    alterAfterSigning?: (headers: Record<string, string>) => void;
  },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const [credentials] = cloud.credentials;
  if (!credentials) throw new Error("no credentials");
  const bucket = options.bucket ?? BUCKET;
  const key = options.key ?? "";
  const query = options.query ?? [];
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const headers: Record<string, string> = {
    host: `${bucket}.cos.${REGION}.myqcloud.com`,
    "content-length": String(body.length),
    ...options.headers,
  };
  const now = Math.floor(Date.now() / 1000);
  const signTime = options.signTime ?? `${now - 60};${now + 600}`;
  const headerList = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort();
  const paramList = query.map(([n]) => camSafeUrlEncode(n).toLowerCase()).sort();
  const signature = cosSignature(
    { method: options.method, path: `/${key}`, query, headers },
    options.secretKey ?? credentials.secretKey,
    {
      signTime,
      keyTime: signTime,
      headerList,
      paramList,
    },
  );
  headers.authorization = [
    "q-sign-algorithm=sha1",
    `q-ak=${options.secretId ?? credentials.secretId}`,
    `q-sign-time=${signTime}`,
    `q-key-time=${signTime}`,
    `q-header-list=${headerList.join(";")}`,
    `q-url-param-list=${paramList.join(";")}`,
    `q-signature=${signature}`,
  ].join("&");
  options.alterAfterSigning?.(headers);
  const path = `/${key.split("/").map(camSafeUrlEncode).join("/")}${query.length ? `?${query.map(([n, v]) => (v === "" ? camSafeUrlEncode(n) : `${camSafeUrlEncode(n)}=${camSafeUrlEncode(v)}`)).join("&")}` : ""}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: cloud.port, method: options.method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends every connection to the local cloud while Cloud API requests keep their real host (and so their signature). */
export function localAgent(port: number): Agent {
  const agent = new Agent({ keepAlive: true });
  agent.createConnection = () => connect(port, "127.0.0.1");
  return agent;
}

/** Binds a function to every event of `bucket` that keeps each event it receives in `events`. */
export function recordEvents(cloud: LocalCloud, bucket: string, events: unknown[]): void {
  cloud.triggers.add({
    bucket,
    events: ["*"],
    functionName: "recorder",
    handler: (event) => {
      events.push(event);
    },
  });
}
