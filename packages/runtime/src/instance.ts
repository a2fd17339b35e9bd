import { type CosClient, createCosClient } from "@cosfn/cos";
import type { ScfContext } from "@cosfn/events";
import { EnvReader } from "./env.ts";
import { ConfigError } from "./errors.ts";
import type { RecordFilter } from "./filter.ts";
import { writerMetadata } from "./filter.ts";
import { isLogLevel, Logger, type LogLevel } from "./logger.ts";
import { Redactor } from "./redact.ts";

/** The runtime's own settings, read once with the function's. */
export interface RuntimeSettings {
  logLevel: LogLevel;
  failOnPermanent: boolean;
  concurrency: number | undefined;
}

export function runtimeSettings(env: EnvReader): RuntimeSettings {
  const level = env.oneOf("COSFN_LOG_LEVEL", ["debug", "info", "warn", "error"], { default: "info" });
  const concurrency =
    env.optional("COSFN_CONCURRENCY") === undefined
      ? undefined
      : env.int("COSFN_CONCURRENCY", { required: true, min: 1, max: 64 });
  return {
    logLevel: isLogLevel(level) ? level : "info",
    failOnPermanent: env.bool("FAIL_ON_PERMANENT", { default: false }),
    concurrency,
  };
}

/** What `setup` is given: the function's name, region, a COS client that marks its writes, a logger. */
export interface SetupContext {
  name: string;
  /** The function's region (`context.tencentcloud_region`). */
  region: string;
  /** A COS client for the function's region whose every write carries the writer marker; built on first use. */
  readonly cos: CosClient;
  /** COS clients for other regions, built once each and kept. */
  cosFor(region: string): CosClient;
  /**
   * The execution role's temporary credentials (`TENCENTCLOUD_SECRETID`, `TENCENTCLOUD_SECRETKEY`,
   * `TENCENTCLOUD_SESSIONTOKEN`), read when called, for Cloud API clients; a ConfigError when there are none.
   */
  credentials(): RoleCredentials;
  /** `COSFN_CLOUD_API_ENDPOINT`: a local stand-in for the Cloud API 3.0 endpoints; unset, Tencent Cloud. */
  cloudApiEndpoint: string | undefined;
  log: Logger;
  /** The environment, for settings only `setup` needs. */
  env: EnvReader;
}

/** What signs Cloud API requests: the role's temporary keys and token. */
export interface RoleCredentials {
  secretId: string;
  secretKey: string;
  token?: string;
}

/** The role's credentials from the environment SCF sets, or a ConfigError naming the variables. */
export function roleCredentials(env: Record<string, string | undefined> = process.env): RoleCredentials {
  const secretId = env.TENCENTCLOUD_SECRETID;
  const secretKey = env.TENCENTCLOUD_SECRETKEY;
  if (!secretId || !secretKey) {
    throw new ConfigError(
      "TENCENTCLOUD_SECRETID",
      undefined,
      "the execution role's credentials (SCF sets TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY when the function has a role)",
    );
  }
  const token = env.TENCENTCLOUD_SESSIONTOKEN;
  return { secretId, secretKey, ...(token && { token }) };
}

/**
 * COS clients for one warm instance, one per region, built on first use and kept; rebuilt only when the execution
 * role's credentials in the environment change (SCF may hand a warm instance fresh temporary keys).
 */
export class CosClients {
  readonly #clients = new Map<string, CosClient>();
  #credentialsSeen: string | undefined;

  constructor(private readonly functionName: string) {}

  get(region: string): CosClient {
    const credentials = [
      process.env.TENCENTCLOUD_SECRETID,
      process.env.TENCENTCLOUD_SESSIONTOKEN,
      process.env.COSFN_COS_ENDPOINT,
    ].join("\n");
    if (credentials !== this.#credentialsSeen) {
      this.#clients.clear();
      this.#credentialsSeen = credentials;
    }
    let client = this.#clients.get(region);
    if (!client) {
      client = createCosClient({ region, writerMetadata: writerMetadata(this.functionName) });
      this.#clients.set(region, client);
    }
    return client;
  }
}

/** What a warm instance keeps between invocations: settings, the function's config, its resources, clients. */
export interface Instance<C, R> {
  config: C;
  settings: RuntimeSettings;
  filter: RecordFilter;
  resources: R;
  cos: CosClients;
}

export interface InstanceOptions<C, R> {
  name: string;
  config: (env: EnvReader) => C;
  setup?: (config: C, setup: SetupContext) => R | Promise<R>;
  filter?: RecordFilter | ((config: C) => RecordFilter);
}

/**
 * Reads the settings and the function's config, then runs `setup` once: what a warm instance keeps. A failure
 * (a bad setting, a database that refuses connections) is thrown with secrets masked, and the next invocation
 * tries again.
 */
export async function loadInstance<C, R>(options: InstanceOptions<C, R>, context: ScfContext): Promise<Instance<C, R>> {
  const redactor = Redactor.fromEnv(process.env);
  const env = new EnvReader(process.env);
  let log = new Logger({ function: options.name, requestId: context?.request_id }, { redactor });
  let phase = "configuration error";
  try {
    const settings = runtimeSettings(env);
    log = new Logger(
      { function: options.name, requestId: context?.request_id },
      { level: settings.logLevel, redactor },
    );
    const config = options.config(env);
    const filter = typeof options.filter === "function" ? options.filter(config) : (options.filter ?? {});
    const cos = new CosClients(options.name);
    phase = "setup failed";
    const region = context?.tencentcloud_region ?? "";
    const resources = options.setup
      ? await options.setup(config, {
          name: options.name,
          region,
          get cos() {
            return cos.get(region);
          },
          cosFor: (other) => cos.get(other),
          credentials: () => roleCredentials(process.env),
          cloudApiEndpoint: env.optional("COSFN_CLOUD_API_ENDPOINT"),
          log: log.child({ phase: "setup" }),
          env,
        })
      : (undefined as R);
    return { config, settings, filter, resources, cos };
  } catch (error) {
    if (error instanceof Error) error.message = redactor.text(error.message);
    // A bad setting fails every invocation, loudly, until it is fixed.
    log.error(phase, { error });
    throw error;
  }
}
