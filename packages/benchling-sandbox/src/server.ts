import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { namesOnlyThisMachine, redactUrl } from '@labmcp/service-kit/service';
import { ADMIN_PREFIX, handleAdmin } from './admin.js';
import { Authenticator } from './auth.js';
import { FaultInjector, type StatusFault } from './faults.js';
import { checkFileUrl, FILES_PREFIX } from './files.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './http/body.js';
import { ApiError } from './http/errors.js';
import { Query } from './http/query.js';
import { sendJson, sendRaw } from './http/respond.js';
import { Router } from './http/router.js';
import { PageTokens } from './paging.js';
import { DEFAULT_RATE_LIMIT, FixedWindowRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { OPERATIONS, type Operation, type OperationContext } from './resources/index.js';
import { Renderer } from './resources/render.js';
import { Visibility } from './resources/visibility.js';
import { seedTenant } from './seed/index.js';
import type { LockWait } from './store/durable-file.js';
import { StoreBusyError, StoreLimitError, type StoreLimits, TenantStore } from './store/tenant-store.js';

export const API_PREFIX = '/api/v2';
/** Each connection may hold a request body of up to maxBodyBytes; capping connections caps that memory. */
export const MAX_CONNECTIONS = 256;
export const SERVICE_NAME = 'benchling-sandbox';

/** pino-compatible: what the sandbox logs is rare (unexpected errors), so any logger or none will do. */
export interface SandboxLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SandboxOptions {
  /** The store file; wins over dataDir. */
  dataFile?: string;
  /** The bundle's data folder; the store is `<dataDir>/benchling-sandbox/tenant.json`. */
  dataDir?: string;
  /** Tenant-wide rate limit; Benchling's default is 60 requests per 30 seconds. */
  rateLimit?: Partial<RateLimitOptions>;
  /** Milliseconds since the epoch; inject a fake clock to test rate-limit windows and timestamps. */
  clock?: () => number;
  /** More API keys, each mapped to a seeded user's id or handle (e.g. `{ "my-ci-key": "alice" }`). */
  extraKeys?: Record<string, string>;
  /** Mount the `/_sandbox/` fault and rate-limit controls (tests only; see admin.ts). */
  adminEndpoints?: boolean;
  /** Where clients reach the sandbox, for apiURL/webURL; by default taken from each request's Host header. */
  publicUrl?: string;
  /** Largest accepted request body; Benchling-sized requests are far below the 1 MiB default. */
  maxBodyBytes?: number;
  storeLimits?: Partial<StoreLimits>;
  /** Wait for the store's lock while another live process holds it (default: fail at once). */
  lockWait?: LockWait;
  logger?: SandboxLogger;
}

export type SandboxHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface Sandbox {
  /** Not listening yet: call `server.listen(port, host)`, or pass `handler` to another server. */
  server: Server;
  /** The request handler `server` uses, for embedding in a server someone else owns (service-kit's). */
  handler: SandboxHandler;
  store: TenantStore;
  faults: FaultInjector;
  rateLimiter: FixedWindowRateLimiter;
  /** What `GET /health` reports about the store, in service-kit's health-check shape. */
  healthChecks: () => Record<string, { status: 'ok' | 'down'; [detail: string]: unknown }>;
  /** Stops the server (if listening) and releases the store after pending writes. */
  close: () => Promise<void>;
}

const ROUTER = new Router<Operation>(OPERATIONS.map((op) => ({ method: op.method, path: op.path, value: op })));

/**
 * A metrics label for a request: the spec operation it maps to, or a small fixed set otherwise. Never the raw
 * path, whose ids would make label cardinality unbounded.
 */
export function routeLabel(req: IncomingMessage): string {
  const pathname = (req.url ?? '/').split('?')[0] ?? '/';
  if (pathname === '/health' || pathname === '/metrics') return pathname;
  if (pathname.startsWith(ADMIN_PREFIX)) return 'admin';
  if (pathname.startsWith(`${API_PREFIX}/`)) {
    const match = ROUTER.match(req.method ?? 'GET', pathname.slice(API_PREFIX.length));
    return match.kind === 'found' ? match.value.operationId : 'api-unknown';
  }
  return 'other';
}

const silent: SandboxLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

export function storeFileFor(options: Pick<SandboxOptions, 'dataFile' | 'dataDir'>): string {
  if (options.dataFile) return path.resolve(options.dataFile);
  return path.resolve(options.dataDir ?? './data', SERVICE_NAME, 'tenant.json');
}

/**
 * A Benchling-API-compatible sandbox: the subset of REST API v2 the benchling-mcp tools use, over a durable
 * demo tenant. Opens (and on first start seeds) the store, then returns a server that is not yet listening.
 */
export async function createSandboxServer(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? Date.now;
  const log = options.logger ?? silent;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const store = await TenantStore.open({
    file: storeFileFor(options),
    seed: seedTenant,
    ...(options.storeLimits ? { limits: options.storeLimits } : {}),
    ...(options.lockWait ? { lockWait: options.lockWait } : {}),
  });
  let auth: Authenticator;
  try {
    auth = new Authenticator(store.snapshot.all('users'), options.extraKeys);
  } catch (err) {
    await store.close();
    throw err;
  }
  const faults = new FaultInjector();
  const limiter = new FixedWindowRateLimiter({ ...DEFAULT_RATE_LIMIT, ...options.rateLimit }, clock);
  const tokens = new PageTokens(store.snapshot.data.tokenSecret);

  const handler: SandboxHandler = async (req, res) => {
    let rateHeaders: Record<string, string> = {};
    try {
      // Concatenated, not resolved against a base: a request target like `//host/api/v2/...` must stay a path.
      const url = new URL(`http://sandbox.invalid${(req.url ?? '/').startsWith('/') ? '' : '/'}${req.url ?? ''}`);
      const pathname = url.pathname;
      if (pathname === '/health' && req.method === 'GET') {
        sendJson(res, 200, { status: 'ok', service: SERVICE_NAME, checks: healthChecks() });
        return;
      }
      if (options.adminEndpoints && pathname.startsWith(ADMIN_PREFIX)) {
        // They take no credentials: a page that rebinds its DNS name to this machine reaches them from a browser,
        // but names its own host.
        if (!namesOnlyThisMachine(req.headers.host)) {
          throw new ApiError(403, `${ADMIN_PREFIX} answers only requests for localhost or an IP address, not ${JSON.stringify(req.headers.host)}.`);
        }
        const answer = await handleAdmin(req, pathname, faults, limiter);
        sendJson(res, answer.status, answer.body);
        return;
      }
      if (pathname.startsWith(FILES_PREFIX) && req.method === 'GET') {
        serveFile(res, url, store, clock());
        return;
      }
      if (pathname !== API_PREFIX && !pathname.startsWith(`${API_PREFIX}/`)) {
        throw new ApiError(404, `Nothing at ${pathname}; the Benchling API is under ${API_PREFIX}.`);
      }

      const fault = faults.take(pathname);
      if (fault?.kind === 'status') {
        sendFault(res, fault, limiter);
        return;
      }
      if (fault?.kind === 'delay') await sleep(fault.ms);

      const decision = limiter.take();
      rateHeaders = decision.headers;
      if (!decision.allowed) {
        throw new ApiError(429, 'Rate limit exceeded.', 'Too many requests; please retry after the rate-limit window resets.');
      }

      const user = auth.authenticate(req.headers.authorization);
      // service-kit's access log reads this to attribute requests (it declares the property on IncomingMessage).
      (req as IncomingMessage & { userId?: string }).userId = user.id;

      const apiPath = pathname.slice(API_PREFIX.length) || '/';
      const match = ROUTER.match(req.method ?? 'GET', apiPath);
      if (match.kind === 'not-found') throw new ApiError(404, `No Benchling API operation at ${pathname}.`);
      if (match.kind === 'method-not-allowed') {
        throw new ApiError(405, `${req.method} is not allowed on ${pathname}.`, undefined, {}, { allow: match.allow.join(', ') });
      }
      const op = match.value;
      const snapshot = store.snapshot;
      const baseUrl = options.publicUrl?.replace(/\/+$/, '') ?? baseUrlFromHost(req);
      const visibility = new Visibility(user, snapshot);
      const ctx: OperationContext = {
        user,
        snapshot,
        visibility,
        render: new Renderer(snapshot, baseUrl, visibility),
        query: new Query(url.searchParams, op.query),
        params: match.params,
        path: pathname,
        rawQuery: url.searchParams,
        store,
        tokens,
        now: () => new Date(clock()),
        baseUrl,
        readBody: () => readJsonBody(req, maxBodyBytes),
      };
      const result = await op.handle(ctx);
      sendJson(res, result.status, result.body, { ...rateHeaders, ...result.headers });
    } catch (err) {
      const apiError = toApiError(err, log, req);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // An error before the body was read leaves it unread; drain so a kept-alive connection stays usable.
      if (!req.complete) req.resume();
      sendJson(res, apiError.status, apiError.body, { ...rateHeaders, ...apiError.headers });
    }
  };

  function healthChecks(): Record<string, { status: 'ok' | 'down'; [detail: string]: unknown }> {
    const stats = store.stats();
    return { store: { status: 'ok', bytes: stats.bytes, records: stats.records } };
  }

  const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => void handler(req, res));
  // Bounded waits for slow clients: the sandbox is small and should not hold sockets for stragglers.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.maxConnections = MAX_CONNECTIONS;

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (server.listening) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    }
    await store.close();
  };

  return { server, handler, store, faults, rateLimiter: limiter, healthChecks, close };
}

/** A pre-signed download link: the file's bytes, or 403 as a storage service refuses a bad or expired link. */
function serveFile(res: ServerResponse, url: URL, store: TenantStore, nowMs: number): void {
  const checked = checkFileUrl(store.snapshot.data.tokenSecret, url, nowMs);
  if ('refused' in checked) {
    sendRaw(res, 403, 'text/plain; charset=utf-8', `Download link refused: ${checked.refused}.`);
    return;
  }
  const blob = store.snapshot.get('blobs', checked.id);
  if (!blob) {
    sendRaw(res, 404, 'text/plain; charset=utf-8', 'No such file.');
    return;
  }
  const bytes = Buffer.from(blob.contentBase64, 'base64');
  res.writeHead(200, {
    'content-type': blob.mimeType,
    'content-length': String(bytes.length),
    'content-disposition': `attachment; filename="${blob.name.replace(/["\\\r\n]/g, '_')}"`,
    'cache-control': 'no-store',
  });
  res.end(bytes);
}

function sendFault(res: ServerResponse, fault: StatusFault, limiter: FixedWindowRateLimiter): void {
  const headers = limiter.peek(fault.status === 429);
  if (fault.body === 'json') {
    const error =
      fault.status === 429
        ? new ApiError(429, 'Rate limit exceeded.', 'Too many requests; please retry after the rate-limit window resets.')
        : new ApiError(fault.status, `Injected fault: HTTP ${fault.status}.`, 'The service is temporarily unavailable; please retry.');
    sendJson(res, fault.status, error.body, headers);
  } else if (fault.body === 'html') {
    // What a load balancer in front of the API sends: not JSON, and clients must cope.
    sendRaw(res, fault.status, 'text/html; charset=utf-8', `<html><body><h1>${fault.status}</h1><p>Injected fault.</p></body></html>`, headers);
  } else {
    sendRaw(res, fault.status, undefined, '', headers);
  }
}

function toApiError(err: unknown, log: SandboxLogger, req: IncomingMessage): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreLimitError) return new ApiError(400, err.message);
  if (err instanceof StoreBusyError) return new ApiError(503, err.message, 'The service is busy; please retry.');
  log.error({ err, method: req.method, url: redactUrl(req.url) }, 'unexpected error while serving a sandbox request');
  return new ApiError(500, 'Internal error in the Benchling sandbox.', 'Something went wrong; please retry.');
}

/** `http://<Host>` for apiURL/webURL, when the Host header is a plain host[:port]; otherwise a neutral default. */
function baseUrlFromHost(req: IncomingMessage): string {
  const host = req.headers.host;
  return host && /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host) ? `http://${host}` : 'http://localhost';
}
