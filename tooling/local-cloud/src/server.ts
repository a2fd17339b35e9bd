import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fullRegionName } from "@cosfn/events";
import { applyBucketSetups, type BucketSetup, BucketSetupError } from "./bucket-setup.ts";
import { type CamPolicy, checkCamPolicy } from "./cam.ts";
import { type CloudInfiniteOptions, cloudInfinite } from "./ci.ts";
import {
  type CdnDomain,
  CloudApi,
  type CloudApiSettings,
  cloudApiNeed,
  cloudApiService,
  type TeoZone,
} from "./cloud-api/index.ts";
import { keepAnswer } from "./console/ci-answers.ts";
import { EventLog } from "./console/event-log.ts";
import { type ConsoleOptions, type ConsoleServer, startConsole } from "./console/server.ts";
import { CosError } from "./cos/errors.ts";
import { cosTarget, handleCosRequest, parseCosRequest } from "./cos/handler.ts";
import { Replicator } from "./cos/replication.ts";
import type { CosChange } from "./cos/request.ts";
import { answerCosError } from "./cos/response.ts";
import { DEFAULT_RESTORE_DELAYS_MS } from "./cos/restore.ts";
import type { Credentials } from "./cos/signature.ts";
import { ObjectStore, type RestoreTier } from "./cos/store.ts";
import { REAL_TRANSFER_CLOCK, type TransferClock } from "./cos/traffic-limit.ts";
import { applyFaults, Faults } from "./faults.ts";
import { RequestLog } from "./request-log.ts";
import { type TriggerOptions, Triggers } from "./triggers.ts";

/** Credentials the local cloud accepts when the environment has none. Printed by `cosfn dev`. */
export const LOCAL_CREDENTIALS: Credentials = {
  secretId: "AKIDcosfnLocalCloudDefaultId00000000",
  secretKey: "cosfnLocalCloudDefaultSecretKey000000",
};

/** The credentials in `TENCENTCLOUD_SECRETID` / `TENCENTCLOUD_SECRETKEY` (and session token), else the local defaults. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): Credentials {
  const secretId = env.TENCENTCLOUD_SECRETID;
  const secretKey = env.TENCENTCLOUD_SECRETKEY;
  if (!secretId || !secretKey) return LOCAL_CREDENTIALS;
  const sessionToken = env.TENCENTCLOUD_SESSIONTOKEN;
  return { secretId, secretKey, ...(sessionToken && { sessionToken }) };
}

export interface LocalCloudOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Keep buckets and objects here across restarts; without it, a temporary directory removed at close. */
  dataDir?: string;
  /** Accepted credentials; default `credentialsFromEnv()`. */
  credentials?: Credentials[];
  /**
   * Buckets to create at start: names (`name-appid`, in `region`), or `BucketSetup`s with their own region, ACL,
   * versioning, origin and replication rules. Existing buckets (with a data directory) keep their objects.
   */
  buckets?: (string | BucketSetup)[];
  region?: string;
  triggers?: TriggerOptions;
  /** Cloud Infinite: recorded responses and/or a recognizer. Default: no CI. */
  cloudInfinite?: CloudInfiniteOptions;
  /**
   * CDN domains the Cloud API knows: names (both areas, online) or `CdnDomain`s (area, status, migrated,
   * authorized); default any host.
   */
  cdnDomains?: (string | CdnDomain)[];
  /** EdgeOne zones: ids (any host, default quotas) or `TeoZone`s (hosts, plan quotas); default any zone. */
  teoZones?: (string | TeoZone)[];
  /** The Cloud API's limits: `cdnLimits`, `realRateLimits` (20 requests a second per action), the quota clock. */
  cloudApi?: CloudApiSettings;
  /** How many requests `cloud.requests` keeps (the oldest are dropped). Default 10,000. */
  requestLogLimit?: number;
  /**
   * CAM policies by SecretId: a request signed by a SecretId with a policy must be allowed by it (else 403
   * AccessDenied, or the Cloud API's AuthFailure.UnauthorizedOperation). SecretIds without one are unrestricted.
   */
  policies?: Record<string, CamPolicy>;
  /**
   * How long POST Object restore takes per tier before the temporary copy is readable and
   * `cos:ObjectRestore:Completed` is emitted. Default: 1 minute, 3 hours, 5 hours; tests set milliseconds.
   */
  restoreDelaysMs?: Partial<Record<RestoreTier, number>>;
  /** How long after a write (or delete marker) cross-region replication copies it. Default 1,000 ms. */
  replicationDelayMs?: number;
  /**
   * The clock transfers with `x-cos-traffic-limit` are paced on (`now()` in ms, `sleep(ms)`); default the real
   * one. A test gives a fake one to check a slow transfer's schedule without waiting for it.
   */
  trafficClock?: TransferClock;
  /**
   * The web console (buckets, objects, events, requests, triggers, functions' views) on a port of its own, never
   * the COS one: its JSON API under `/api/` (uploads and deletes go through the COS endpoint, signed with the first
   * credentials) and, with `assets`, the built front end. Default: no console, no event log is kept and CI answers
   * are not copied into the request log.
   */
  console?: ConsoleOptions;
}

export interface LocalCloud {
  /** `http://127.0.0.1:<port>`: the value for `COSFN_COS_ENDPOINT`. */
  readonly endpoint: string;
  readonly port: number;
  readonly store: ObjectStore;
  readonly triggers: Triggers;
  /** Cross-region replication in progress: `idle()` resolves once every scheduled copy is done. */
  readonly replication: Replicator;
  readonly faults: Faults;
  /** The Cloud API 3.0 endpoint (`cdn`, `teo`): its recorded calls, throttling, quotas and failures. */
  readonly cloudApi: CloudApi;
  readonly credentials: Credentials[];
  readonly region: string;
  /** Every request served (COS, CI, Cloud API), with its status, bytes, signer and CAM needs. */
  readonly requests: RequestLog;
  /** The web console's address, when `console` was given. */
  readonly console: { readonly url: string; readonly port: number } | undefined;
  /** Sets (or with `undefined` removes) the CAM policy that requests signed by `secretId` must satisfy. */
  setPolicy(secretId: string, policy: CamPolicy | undefined): void;
  close(): Promise<void>;
}

/** Starts the local cloud: the COS XML API for every `<bucket>.cos.<region>.myqcloud.com` host, and triggers. */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const region = options.region ?? "ap-guangzhou";
  // As cosfn's --region: a full region name (a short code such as gz is the CLI's to expand).
  if (fullRegionName(region) !== region) {
    throw new BucketSetupError(
      `region ${JSON.stringify(region)}: not a COS region name, e.g. "ap-guangzhou" (the buckets given by name are created in it)`,
    );
  }
  const store = await ObjectStore.open(options.dataDir);
  try {
    await applyBucketSetups(store, options.buckets ?? [], region);
  } catch (error) {
    await store.close();
    throw error;
  }
  const credentials = options.credentials ?? [credentialsFromEnv()];
  // With a console, every dispatched change is also kept (with its invocations) for it to show.
  const eventLog = options.console ? new EventLog(options.console.eventLogLimit) : undefined;
  const onAttempt = options.triggers?.onAttempt;
  const triggers = new Triggers(
    eventLog
      ? {
          ...options.triggers,
          onAttempt: (invocation, attempt) => {
            onAttempt?.(invocation, attempt);
            eventLog.attempted(invocation, attempt);
          },
        }
      : options.triggers,
  );
  const recorded = (log: EventLog, change: CosChange, replayOf: string | null) => {
    const before = triggers.invocations.length;
    triggers.dispatch(change);
    return log.record(change, triggers.invocations.slice(before), replayOf);
  };
  const dispatch = eventLog
    ? (change: CosChange) => {
        recorded(eventLog, change, null);
      }
    : (change: CosChange) => triggers.dispatch(change);
  const requests = new RequestLog(options.requestLogLimit);
  const policies = new Map<string, CamPolicy>();
  const setPolicy = (secretId: string, policy: CamPolicy | undefined) => {
    if (policy === undefined) policies.delete(secretId);
    else {
      checkCamPolicy(policy);
      policies.set(secretId, policy);
    }
  };
  for (const [secretId, policy] of Object.entries(options.policies ?? {})) setPolicy(secretId, policy);
  const policyFor = (secretId: string) => policies.get(secretId);
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (ms: number, work: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      work();
    }, ms);
    timers.add(timer);
  };
  const replication = new Replicator(store, schedule, options.replicationDelayMs ?? 1_000, dispatch);
  const cosOptions = {
    restoreDelaysMs: { ...DEFAULT_RESTORE_DELAYS_MS, ...options.restoreDelaysMs },
    schedule,
    trafficClock: options.trafficClock ?? REAL_TRANSFER_CLOCK,
    // Known once listening: an origin that is a COS host is this local cloud.
    self: () => ({ host: options.host ?? "127.0.0.1", port: (server.address() as AddressInfo).port }),
    policyFor,
    store,
    credentials: () => credentials,
    onChange: async (change: CosChange) => {
      // A write is not failed by its replication: the copy then simply does not happen.
      await replication.observe(change).catch(() => {});
      dispatch(change);
    },
    ...(options.cloudInfinite && { ciProcess: cloudInfinite(options.cloudInfinite) }),
  };
  const cloudApi = new CloudApi({
    credentials: () => credentials,
    policyFor,
    ...(options.cdnDomains && { cdnDomains: options.cdnDomains }),
    ...(options.teoZones && { teoZones: options.teoZones }),
    ...options.cloudApi,
  });

  const faults = new Faults();
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const target = cosTarget(req.headers.host);
    const isCloudApi =
      /\.tencentcloudapi\.com(:\d+)?$/.test(req.headers.host ?? "") || req.headers["x-tc-action"] !== undefined;
    if (target) {
      const draft = requests.track(req, res, "cos");
      const parsed = parseCosRequest(req, target, draft);
      // With a console, what Cloud Infinite answers is kept in its request log entry (only for CI requests).
      if (eventLog && draft.service === "ci") keepAnswer(res, requests.entries[requests.entries.length - 1]);
      const picked = faults.pick(req);
      const unavailable = () => {
        draft.errorCode = "SlowDown";
        answerCosError(req, res, new CosError("SlowDown", "please reduce your request rate"));
      };
      if (picked.length > 0 && !(await applyFaults(picked, req, res, unavailable))) return;
      await handleCosRequest(req, res, parsed, cosOptions, draft);
      return;
    }
    if (isCloudApi) {
      const service = cloudApiService(req);
      const draft = requests.track(req, res, service);
      draft.needs.push(cloudApiNeed(service, String(req.headers["x-tc-action"] ?? "")));
      const picked = faults.pick(req);
      const unavailable = () => {
        draft.errorCode = "InternalError";
        res.writeHead(503, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ Response: { Error: { Code: "InternalError", Message: "service unavailable" } } }));
      };
      if (picked.length > 0 && !(await applyFaults(picked, req, res, unavailable))) return;
      await cloudApi.handle(req, res, draft);
      return;
    }
    res.writeHead(400, { "Content-Type": "text/plain; charset=utf-8", Connection: "close" });
    res.end(
      `the local cloud serves COS hosts (<bucket>.cos.<region>.myqcloud.com); got Host ${JSON.stringify(req.headers.host)}\n`,
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let consoleServer: ConsoleServer | undefined;
  if (options.console && eventLog) {
    try {
      consoleServer = await startConsole(
        { host: options.host ?? "127.0.0.1", ...options.console },
        {
          store,
          triggers,
          requests,
          cloudApi,
          events: eventLog,
          cos: { endpoint: () => ({ host: options.host ?? "127.0.0.1", port }), credentials: () => credentials },
          replay: (change, replayOf) => recorded(eventLog, change, replayOf),
        },
      );
    } catch (error) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      throw error;
    }
  }

  return {
    endpoint: `http://${options.host ?? "127.0.0.1"}:${port}`,
    port,
    store,
    triggers,
    replication,
    faults,
    cloudApi,
    credentials,
    region,
    requests,
    console: consoleServer && { url: consoleServer.url, port: consoleServer.port },
    setPolicy,
    async close() {
      await consoleServer?.close();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      triggers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
    },
  };
}
