import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CloudApi } from "../cloud-api/api.ts";
import type { CosChange } from "../cos/request.ts";
import type { ObjectStore } from "../cos/store.ts";
import type { RequestLog } from "../request-log.ts";
import type { Triggers } from "../triggers.ts";
import { serveAsset } from "./assets.ts";
import { objectContent } from "./content.ts";
import type { EmittedEvent, EventLog } from "./event-log.ts";
import { listEvents, replayEvent, streamEvents } from "./events.ts";
import { guardApi } from "./guard.ts";
import { type CosAccess, deleteObjectThroughCos, putObjectThroughCos } from "./object-writes.ts";
import { bucketExists, listBuckets, listObjects, objectMetadata, searchKeys } from "./objects.ts";
import { listCloudApiCalls, listRequests } from "./requests.ts";
import { resolveUrl } from "./resolve.ts";
import { sendError } from "./respond.ts";
import { addTrigger, type ConsoleFunctions, listTriggers, removeTrigger } from "./triggers-api.ts";
import { type ConsoleView, listViews, loadView } from "./views.ts";

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
  /** The functions `POST /api/triggers` can bind (`cosfn dev` supplies them); without it, adding answers 501. */
  functions?: ConsoleFunctions;
  /** The functions' own views (`/api/views`). */
  views?: ConsoleView[];
}

/** What the console reads: the local cloud's own state, and how it writes through its COS endpoint. */
export interface ConsoleSources {
  store: ObjectStore;
  triggers: Triggers;
  requests: RequestLog;
  cloudApi: CloudApi;
  events: EventLog;
  /** The COS endpoint and credentials: uploads and deletes are signed requests to it. */
  cos: CosAccess;
  /** Dispatches a change again through the current rules, recorded as an event replaying `replayOf`. */
  replay(change: CosChange, replayOf: string): EmittedEvent;
  now?: () => number;
}

export interface ConsoleServer {
  /** `http://127.0.0.1:<port>`: the console's address. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const BUCKET_ROUTE = /^\/api\/buckets\/([^/]+)\/(objects|object|search|content)$/;
const REPLAY_ROUTE = /^\/api\/events\/([^/]+)\/replay$/;
const TRIGGER_ROUTE = /^\/api\/triggers\/([^/]+)$/;
const VIEW_ROUTE = /^\/api\/views\/([^/]+)$/;

/** The methods each kind of route serves (GET routes also serve HEAD). */
function methodsOf(path: string, bucketRoute: string | undefined): string[] {
  if (bucketRoute === "object") return ["GET", "PUT", "DELETE"];
  if (path === "/api/triggers") return ["GET", "POST"];
  if (REPLAY_ROUTE.test(path)) return ["POST"];
  if (TRIGGER_ROUTE.test(path)) return ["DELETE"];
  return ["GET"];
}

interface Served {
  sources: ConsoleSources;
  options: ConsoleOptions;
  host: string;
  port: () => number;
}

async function route(req: IncomingMessage, res: ServerResponse, served: Served) {
  const { options } = served;
  const url = new URL(req.url ?? "/", "http://console.invalid");
  const path = url.pathname;
  const method = req.method ?? "GET";
  if (path.startsWith("/api/")) {
    if (!guardApi(req, res, served.host, served.port())) return;
    const bucketRoute = BUCKET_ROUTE.exec(path);
    const allowed = methodsOf(path, bucketRoute?.[2]);
    if (!allowed.includes(method === "HEAD" ? "GET" : method)) {
      sendError(res, 405, "MethodNotAllowed", `${method} ${path} is not served: ${path} takes ${allowed.join(", ")}`);
      return;
    }
    return api(req, res, served, url, bucketRoute);
  }
  if (method !== "GET" && method !== "HEAD") {
    sendError(res, 405, "MethodNotAllowed", `${method} ${path} is not served: the front end's files take GET`);
    return;
  }
  if (!options.assets) {
    sendError(res, 404, "NoAssets", "this console serves only its JSON API under /api/ (no front end given)");
    return;
  }
  await serveAsset(res, options.assets, path);
}

async function api(
  req: IncomingMessage,
  res: ServerResponse,
  { sources, options }: Served,
  url: URL,
  bucketRoute: RegExpExecArray | null,
): Promise<void> {
  const path = url.pathname;
  const query = url.searchParams;
  const method = req.method ?? "GET";
  const { store, triggers } = sources;
  if (path === "/api/buckets") return listBuckets(res, store);
  if (bucketRoute) {
    const bucket = decodeURIComponent(bucketRoute[1] as string);
    if (!bucketExists(res, store, bucket)) return;
    if (bucketRoute[2] === "objects") return listObjects(res, store, bucket, query);
    if (bucketRoute[2] === "search") return searchKeys(res, store, bucket, query);
    if (bucketRoute[2] === "content") return objectContent(method, res, store, bucket, query);
    if (method === "PUT") return putObjectThroughCos(req, res, store, sources.cos, bucket, query);
    if (method === "DELETE") return deleteObjectThroughCos(res, store, sources.cos, bucket, query);
    return objectMetadata(res, store, bucket, query, (sources.now ?? Date.now)());
  }
  if (path === "/api/resolve") return resolveUrl(res, store, query, sources.cos.endpoint());
  if (path === "/api/events") return listEvents(res, sources.events, query);
  if (path === "/api/events/stream") return streamEvents(req, res, sources.events);
  const replay = REPLAY_ROUTE.exec(path);
  if (replay) return replayEvent(res, sources.events, decodeURIComponent(replay[1] as string), sources.replay);
  if (path === "/api/requests") return listRequests(res, sources.requests, query);
  if (path === "/api/cloud-api/calls") return listCloudApiCalls(res, sources.cloudApi, query);
  if (path === "/api/triggers" && method === "POST") return addTrigger(req, res, store, triggers, options.functions);
  if (path === "/api/triggers") return listTriggers(res, triggers, options.functions);
  const trigger = TRIGGER_ROUTE.exec(path);
  if (trigger) return removeTrigger(res, triggers, decodeURIComponent(trigger[1] as string));
  if (path === "/api/views") return listViews(res, options.views ?? []);
  const view = VIEW_ROUTE.exec(path);
  if (view) return loadView(res, options.views ?? [], decodeURIComponent(view[1] as string));
  sendError(res, 404, "NoSuchRoute", `the console's API has no route ${path} (see the local cloud's README)`);
}

/** Starts the console's HTTP server: the JSON API under `/api/` and, if given, the built front end. */
export async function startConsole(options: ConsoleOptions, sources: ConsoleSources): Promise<ConsoleServer> {
  const host = options.host ?? "127.0.0.1";
  const served: Served = { sources, options, host, port: () => (server.address() as AddressInfo).port };
  const server: Server = createServer((req, res) => {
    route(req, res, served).catch((error: unknown) => {
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
