import { tmpdir } from "node:os";
import COS from "cos-nodejs-sdk-v5";
import { CosConfigError, toCosRequestError } from "./errors.ts";

/** Keys that sign every request: an execution role's temporary credentials carry a session token. */
export interface CosCredentials {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
}

export interface SdkOptions {
  credentials: CosCredentials;
  /** A local COS stand-in such as `http://127.0.0.1:19000`; unset, Tencent Cloud. */
  endpoint?: string | undefined;
  confCwd?: string | undefined;
  timeoutMs?: number | undefined;
}

/** The protocol and `host:port` of a local COS stand-in such as `http://127.0.0.1:19000`. */
export function localEndpoint(endpoint: string): { Protocol: string; Ip: string } {
  const match = /^(https?:)\/\/([^/]+)\/?$/.exec(endpoint.trim());
  if (!match) throw new CosConfigError(`COSFN_COS_ENDPOINT ${JSON.stringify(endpoint)}: expected http://<host>:<port>`);
  return { Protocol: match[1] as string, Ip: match[2] as string };
}

/**
 * The cos-nodejs-sdk-v5 instance behind a client, with the one place its failures become CosRequestErrors. Internal
 * to @cosfn/cos: the package's public surface is CosClient.
 */
export class CosSdk {
  readonly sdk: COS;

  constructor(options: SdkOptions) {
    const { credentials } = options;
    this.sdk = new COS({
      SecretId: credentials.secretId,
      SecretKey: credentials.secretKey,
      ...(credentials.sessionToken && { SecurityToken: credentials.sessionToken }),
      ConfCwd: options.confCwd ?? tmpdir(),
      Timeout: options.timeoutMs ?? 60_000,
      AutoSwitchHost: false,
      ...(options.endpoint && {
        ...localEndpoint(options.endpoint),
        // Requests go to the local endpoint but are signed for the real host, as production would see them.
        Domain: "{Bucket}.cos.{Region}.myqcloud.com",
      }),
    } as COS.COSOptions);
  }

  /** Runs an SDK call, mapping its failure to a CosRequestError that names the operation and object. */
  async call<T>(
    operation: string,
    bucket: string,
    key: string | undefined,
    run: (sdk: COS) => Promise<T>,
    ifMatch?: string,
  ): Promise<T> {
    try {
      return await run(this.sdk);
    } catch (error) {
      throw toCosRequestError(error, { operation, bucket, ...(key !== undefined && { key }) }, ifMatch);
    }
  }
}
