import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CloudApi } from "../cloud-api/api.ts";
import type { ObjectStore } from "../cos/store.ts";
import type { RequestLog } from "../request-log.ts";
import type { Triggers } from "../triggers.ts";
import { serveAsset } from "./assets.ts";
import type { EventLog } from "./event-log.ts";
import { listEvents, streamEvents } from "./events.ts";
import { bucketExists, listBuckets, listObjects, objectMetadata, searchKeys } from "./objects.ts";
import { listCloudApiCalls, listRequests, listTriggers } from "./requests.ts";
import { sendError } from "./respond.ts";

/** `startLocalCloud({ console })`: the web console's own port, never the COS one. */
export interface ConsoleOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default the local cloud's host, 127.0.0.1. */
  host?: string;
  /** The built front end (tooling/console-ui's `dist`), served at `/`; without it only `/api/` is served. */
  assets?: string;
  /** How many emitted events the console keeps (the oldest are dropped). Default 1,000. */
  eventLogLimit?: number;
}

/** What the console reads: the local cloud's own state. */
export interface ConsoleSources {
  store: ObjectStore;
  triggers: Triggers;
  requests: RequestLog;
  cloudApi: CloudApi;
  events: EventLog;
  now?: () => number;
}

export interface ConsoleServer {
  /** `http://127.0.0.1:<port>`: the console's address. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const BUCKET_ROUTE = /^\/api\/buckets\/([^/]+)\/(objects|object|search)$/;

async function route(req: IncomingMessage, res: ServerResponse, sources: ConsoleSources, assets?: string) {
  const url = new URL(req.url ?? "/", "http://console.invalid");
  const path = url.pathname;
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendError(res, 405, "MethodNotAllowed", `the console's API is read-only: ${req.method} ${path} is not served`);
    return;
  }
  if (path === "/api/buckets") return listBuckets(res, sources.store);
  const bucketRoute = BUCKET_ROUTE.exec(path);
  if (bucketRoute) {
    const bucket = decodeURIComponent(bucketRoute[1] as string);
    if (!bucketExists(res, sources.store, bucket)) return;
    if (bucketRoute[2] === "objects") return listObjects(res, sources.store, bucket, url.searchParams);
    if (bucketRoute[2] === "search") return searchKeys(res, sources.store, bucket, url.searchParams);
    return objectMetadata(res, sources.store, bucket, url.searchParams, (sources.now ?? Date.now)());
  }
  if (path === "/api/events") return listEvents(res, sources.events, url.searchParams);
  if (path === "/api/events/stream") return streamEvents(req, res, sources.events);
  if (path === "/api/requests") return listRequests(res, sources.requests, url.searchParams);
  if (path === "/api/cloud-api/calls") return listCloudApiCalls(res, sources.cloudApi, url.searchParams);
  if (path === "/api/triggers") return listTriggers(res, sources.triggers);
  if (path.startsWith("/api/")) {
    sendError(res, 404, "NoSuchRoute", `the console's API has no route ${path} (see the local cloud's README)`);
    return;
  }
  if (!assets) {
    sendError(res, 404, "NoAssets", "this console serves only its JSON API under /api/ (no front end given)");
    return;
  }
  await serveAsset(res, assets, path);
}

/** Starts the console's HTTP server: the JSON API under `/api/` and, if given, the built front end. */
export async function startConsole(options: ConsoleOptions, sources: ConsoleSources): Promise<ConsoleServer> {
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer((req, res) => {
    route(req, res, sources, options.assets).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else sendError(res, 500, "ConsoleError", `the console failed to answer ${req.url}: ${(error as Error)?.message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
