import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import { logAccess, requestSummary } from './access-log.js';
import { type HealthChecks, healthReport } from './health.js';
import { thisProcessTrim } from './idle-trim.js';
import { type ServiceMetrics, statusClass } from './metrics.js';
import { loopbackOrTokenAccess, type OpsAccess, opsAccessOf } from './ops-access.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
import { sendJson } from './responses.js';
import { flushSpans, nameRequestSpan, serveInTrace, unrecordRequest } from './tracing/trace.js';

/** What the frame hands a handler with each request; `State` is what the service's `beforeRequest` returned. */
export interface RequestContext<State = undefined> {
  requestId: string;
  /** A logger whose lines name the request (made on first use: most requests never log but their access line). */
  readonly log: Logger;
  /** What `beforeRequest` worked out about this request (undefined without that hook). */
  state: State;
}

export type ServiceHandler<State = undefined> = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext<State>) => void | Promise<void>;

/** What `/metrics` serves: a prom-client registry fits, and so does anything that merges several. */
export interface MetricsPage {
  contentType: string;
  /** Prometheus text. */
  metrics(): Promise<string>;
  /** The same as prom-client's JSON (`?format=json`), which an aggregating scraper merges. */
  getMetricsAsJSON(): Promise<unknown>;
}

export interface HttpServiceOptions<State = undefined> {
  service: string;
  version: string;
  host: string;
  port: number;
  logger: Logger;
  metrics: ServiceMetrics;
  handler: ServiceHandler<State>;
  health?: HealthChecks;
  /** Label for metrics; keep the set small (never raw URLs, they are unbounded). */
  routeOf?: (req: IncomingMessage, state: State) => string;
  /** How long in-flight requests may take to finish after SIGTERM before they are cut. */
  shutdownTimeoutMs?: number;
  /**
   * After a stop begins, how long the server keeps answering (each response with `Connection: close`) before it
   * stops listening. Clients and proxies holding keep-alive connections then close them after their next
   * response instead of racing a close of an idle socket; in PM2 cluster mode the replacement instance is
   * already accepting, so nothing is refused meanwhile.
   */
  drainGraceMs?: number;
  /** Runs after the server stopped accepting and in-flight requests ended (close pools, flush stores). */
  onShutdown?: () => Promise<void> | void;
  /** Requests whose access line is noise (health probes, metric scrapes). */
  quietPaths?: string[];
  maxHeaderSize?: number;
  /**
   * Time a client has to send a request's headers, from its first byte (Node answers 408 and closes the
   * connection past it); an idle keep-alive connection is not affected. Default 66 s.
   */
  headersTimeoutMs?: number;
  /**
   * Serve HTTPS (HTTP/1.1) with these TLS options (certificate, key, minimum version...) instead of plain HTTP.
   * The server's `setSecureContext` then swaps certificates without dropping connections.
   */
  tls?: TlsOptions;
  /** What `/metrics` serves; by default `metrics.registry` (the router serves every process's metrics in one). */
  metricsPage?: MetricsPage;
  /**
   * Runs first for every request, before the access log, the request's own metrics and `/health` / `/metrics`,
   * and returns what the service works out about the request once: the frame hands it to `routeOf` and to the
   * handler (`ctx.state`), so nothing is worked out twice. It may also answer the request itself, by ending the
   * response before it returns: for refusals that must stay cheap when a client floods the service, such as the
   * router's rate limit. Such a request carries its request id and is counted in the request metrics (under
   * `routeOf`'s label), but has no access line: whoever refused it logs a summary instead.
   */
  beforeRequest?: (req: IncomingMessage, res: ServerResponse) => State;
  /**
   * Who may see what of `/health` and `/metrics` (ops-access.ts). By default, everything from loopback or with
   * `opsToken`, the status only otherwise. A request's `X-Labmcp-Ops-Access` header can lower it, never raise it.
   */
  opsAccess?: (req: IncomingMessage) => OpsAccess;
  /** The operations token (LABMCP_OPS_TOKEN) of the default `opsAccess`. */
  opsToken?: string | undefined;
}

export interface RunningService {
  /** An `https.Server` when the service was started with `tls`. */
  server: Server | HttpsServer;
  url: string;
  /** Graceful stop, as on SIGTERM, but without exiting the process (for tests and embedding). */
  stop: () => Promise<void>;
}

/** The metric label of a request: the fixed paths every service has, anything else `other` (never raw URLs). */
export function defaultRoute(req: IncomingMessage): string {
  const path = pathOf(req.url);
  if (path === '/health' || path === '/metrics' || path === '/mcp') return path;
  return 'other';
}

/**
 * Starts one of the bundle's HTTP processes: access log with request ids, `/health`, `/metrics`, request metrics,
 * the PM2 ready signal once listening, and a graceful stop on SIGINT/SIGTERM (or PM2's `shutdown` message).
 */
export async function runHttpService<State = undefined>(options: HttpServiceOptions<State>): Promise<RunningService> {
  const { service, version, logger, metrics, beforeRequest } = options;
  const opsAccess = options.opsAccess ?? loopbackOrTokenAccess(options.opsToken);
  const startedAt = Date.now();
  const routeOf = options.routeOf ?? defaultRoute;
  const metricsPage = options.metricsPage ?? metrics.registry;
  const quiet = new Set(options.quietPaths ?? ['/health', '/metrics']);
  let stopping = false;
  const inFlight = new Set<ServerResponse>();
  let served = 0;

  const headersTimeout = options.headersTimeoutMs ?? 66_000;
  // Node looks for requests past their deadline this often (30 s by default, too coarse for short deadlines).
  const connectionsCheckingInterval = Math.min(30_000, Math.max(100, Math.floor(headersTimeout / 4)));
  const serverOptions = { maxHeaderSize: options.maxHeaderSize ?? 16 * 1024, headersTimeout, connectionsCheckingInterval };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = requestIdFrom(req);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    if (stopping) res.setHeader('connection', 'close');
    // Without the hook there is no state: `undefined` is what `State` defaults to then.
    let state = undefined as State;
    if (beforeRequest) {
      const began = performance.now();
      state = beforeRequest(req, res);
      if (res.writableEnded) {
        unrecordRequest();
        const labels = { route: routeOf(req, state), status_class: statusClass(res.statusCode) };
        metrics.httpDuration.observe(labels, (performance.now() - began) / 1000);
        metrics.httpRequests.inc(labels);
        return;
      }
    }
    const route = routeOf(req, state);
    nameRequestSpan(req.method, route);
    const began = performance.now();
    const logged = !quiet.has(pathOf(req.url));
    // Health probes and scrapes leave the idle trim alone (they allocate next to nothing).
    if (logged) served++;
    metrics.activeRequests.inc();
    inFlight.add(res);
    // One listener for everything done at the end (a listener per concern cost more than the work in each).
    res.once('close', () => {
      inFlight.delete(res);
      metrics.activeRequests.dec();
      const elapsedMs = performance.now() - began;
      const labels = { route, status_class: statusClass(res.statusCode) };
      metrics.httpDuration.observe(labels, elapsedMs / 1000);
      metrics.httpRequests.inc(labels);
      if (logged) logAccess(logger, req, res, requestId, elapsedMs);
    });
    const ctx = new LazyRequestContext(logger, req, requestId, state);
    void serve(req, res, ctx).catch((err: unknown) => {
      ctx.log.error({ err }, 'unhandled error while serving request');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal_error', message: 'Internal server error', requestId });
      else res.destroy();
    });
  };
  // Each request runs in its trace (a `traceparent` it brought, or a new one): see tracing/trace.ts.
  const listener = (req: IncomingMessage, res: ServerResponse) => serveInTrace(service, req, res, !quiet.has(pathOf(req.url)), onRequest);
  const server = options.tls ? createHttpsServer({ ...options.tls, ...serverOptions }, listener) : createServer(serverOptions, listener);
  // Longer than any proxy's idle timeout in front, so it is the proxy that closes idle connections, never
  // us in the middle of its reuse (which shows up as sporadic ECONNRESET under load). (The headers timeout runs
  // from a request's first byte, so it may be shorter without cutting idle keep-alive connections.)
  server.keepAliveTimeout = 65_000;

  async function serve(req: IncomingMessage, res: ServerResponse, ctx: RequestContext<State>): Promise<void> {
    const path = pathOf(req.url);
    const ops = req.method === 'GET' && (path === '/health' || path === '/metrics');
    const access = ops ? opsAccessOf(req, opsAccess(req)) : 'full';
    if (access === 'refused' || (access === 'status' && path === '/metrics')) {
      sendJson(res, 403, {
        error: 'forbidden',
        message: `${path} ${access === 'refused' ? 'is not served for this host' : 'is served on loopback or with the operations token only'}`,
      });
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      const report = await healthReport(service, version, startedAt, options.health);
      if (stopping) {
        report.status = 'down';
        report.checks.lifecycle = { status: 'down', reason: 'shutting down' };
      }
      const code = report.status === 'down' ? 503 : 200;
      if (access === 'status') sendJson(res, code, statusOnly(report));
      else sendJson(res, code, report);
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      // JSON is what prom-client's AggregatorRegistry merges; the router asks for it to serve one page for all.
      if ((req.url ?? '').includes('format=json')) {
        sendJson(res, 200, await metricsPage.getMetricsAsJSON());
        return;
      }
      res.writeHead(200, { 'content-type': metricsPage.contentType });
      res.end(await metricsPage.metrics());
      return;
    }
    await options.handler(req, res, ctx);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `${options.tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url, version }, `${service} listening`);
  const idleTrim = thisProcessTrim.watch({
    served: () => served,
    busy: () => inFlight.size > 0,
    onTrim: (ms) => {
      metrics.idleTrims.inc();
      logger.debug({ ms: Math.round(ms), rssBytes: process.memoryUsage.rss() }, 'idle: heap trimmed');
    },
  });

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    idleTrim.stop();
    const timeoutMs = options.shutdownTimeoutMs ?? 8000;
    logger.info({ timeoutMs }, 'stopping: finishing in-flight requests, closing keep-alive connections as they finish');
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    // Stop listening, but unlike http.Server#close do not yet drop idle keep-alive connections: a connection
    // accepted a moment ago, or one a client is about to reuse, would be cut in mid-request. Clients get
    // `Connection: close` on their next response instead, and the remaining idle ones are closed after the grace.
    const closed = new Promise<void>((resolve) => net.Server.prototype.close.call(server, () => resolve()));
    await Promise.race([closed, delay(options.drainGraceMs ?? 1000)]);
    server.closeIdleConnections();
    const sweeper = setInterval(() => server.closeIdleConnections(), 50);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
    });
    const cut = await Promise.race([closed.then(() => false), timedOut]);
    clearInterval(sweeper);
    clearTimeout(timer);
    if (cut) {
      logger.warn('in-flight requests did not finish in time; closing their connections');
      server.closeAllConnections();
      await closed;
    }
    await options.onShutdown?.();
    await flushSpans().catch((err: unknown) => logger.warn({ err }, 'could not send the last spans'));
    logger.info('stopped');
  };
  return { server, url, stop };
}

/** A request's path: its URL without the query string (without `split`: this runs several times per request). */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** The context a handler gets, with the request's own logger made only if something logs through it. */
class LazyRequestContext<State> implements RequestContext<State> {
  #log: Logger | undefined;
  constructor(
    private readonly logger: Logger,
    private readonly req: IncomingMessage,
    readonly requestId: string,
    readonly state: State,
  ) {}

  get log(): Logger {
    this.#log ??= this.logger.child({ req: requestSummary(this.req, this.requestId) });
    return this.#log;
  }
}

/** A health report with no detail: the overall status and each check's. */
export function statusOnly(report: { status: string; checks: Record<string, { status: string }> }): {
  status: string;
  checks: Record<string, { status: string }>;
} {
  return { status: report.status, checks: Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, { status: check.status }])) };
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
