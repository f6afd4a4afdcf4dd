import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  adoptTraceparent,
  applyOriginPolicy,
  currentTrace,
  defaultRoute,
  type HttpServiceOptions,
  isLoopbackAddress,
  type Logger,
  type OpsAccess,
  opsAccessOf,
  opsTokenCheck,
  originAllowed,
  type RequestContext,
  type ServiceMetrics,
  sendJson,
} from '@labmcp/service-kit/service';
import type { z } from 'zod';
import { TrustedProxies } from './client-address.js';
import { ConcurrencyLimit } from './concurrency.js';
import type { routerSettings } from './config.js';
import { benchlingIgnoresCallerKeys, forwardsBearerToBenchling } from './credentials.js';
import { createFrontPage } from './front-page/index.js';
import { probeUpstreams } from './health.js';
import { allowedHostsFrom, publicBaseUrl } from './hosts.js';
import { type JsonRpcSummary, needsParsing, summarizeJsonRpc } from './jsonrpc.js';
import { createMergedMcp, MERGED_MCP } from './mcp/endpoint.js';
import { bundleMetricsPage, createRouterMetrics } from './metrics.js';
import { createProxy } from './proxy.js';
import { sendProxyError } from './proxy-errors.js';
import { RateLimitPolicy } from './rate-limit-policy.js';
import { ReadOnlyTools } from './read-only-tools.js';
import { QUILT_HOST_RESOURCE_METADATA_PATH, QUILT_RESOURCE_METADATA_PATH, quiltResourceMetadata, withResourceMetadata } from './resource-metadata.js';
import { type RoutedRequest, routeRequest } from './routed-request.js';
import { ServiceHosts } from './service-hosts.js';
import { type Upstream, upstreamsFrom } from './upstreams.js';

type RouterConfig = z.infer<z.ZodObject<typeof routerSettings>>;

/** What the service frame keeps for a request between the router's steps: its route, when it has one. */
type RouterState = RoutedRequest | undefined;

/** What the router gives the service frame (`runHttpService`). */
export type RouterServiceHooks = Required<
  Pick<HttpServiceOptions<RouterState>, 'beforeRequest' | 'routeOf' | 'opsAccess' | 'handler' | 'health' | 'metricsPage' | 'onShutdown'>
>;

export interface RouterApp {
  serviceHooks: RouterServiceHooks;
  /** Counts the open client connections, and turns off Nagle's delay on them. */
  trackConnections: (server: Server) => void;
}

/** The router's request handling, separate from process wiring so tests can run it in-process. */
export function createRouterApp(config: RouterConfig, logger: Logger, metrics: ServiceMetrics): RouterApp {
  const upstreams = upstreamsFrom(config);
  const routerMetrics = createRouterMetrics(metrics);
  const limits = new RateLimitPolicy(
    {
      perMinute: config.ROUTER_RATE_LIMIT_PER_MINUTE,
      burst: config.ROUTER_RATE_LIMIT_BURST,
      unverified: {
        perMinute: config.ROUTER_UNVERIFIED_PER_MINUTE,
        burst: config.ROUTER_UNVERIFIED_BURST,
        totalPerMinute: config.ROUTER_UNVERIFIED_TOTAL_PER_MINUTE,
        totalBurst: config.ROUTER_UNVERIFIED_TOTAL_BURST,
      },
      retryAfterSeconds: config.ROUTER_RETRY_AFTER_SECONDS,
    },
    logger,
    routerMetrics.rateLimited,
  );
  const proxies = new TrustedProxies(config.ROUTER_TRUSTED_PROXIES);
  const hosts = allowedHostsFrom(config);
  const routerNames = [...config.ROUTER_ALLOWED_HOSTS, ...(config.ROUTER_PUBLIC_URL ? [new URL(config.ROUTER_PUBLIC_URL).host] : [])];
  const routes = new ServiceHosts(config.ROUTER_SERVICE_HOSTS, upstreams, (host) => hosts.reachable(host), routerNames);
  /** Where Quilt's endpoint and its RFC 9728 metadata are for this request: `/mcp` on Quilt's own host. */
  const quiltPaths = (req: IncomingMessage) =>
    routes.serviceOf(req.headers.host)?.service === 'quilt-mcp'
      ? { metadata: QUILT_HOST_RESOURCE_METADATA_PATH, endpoint: '/mcp' }
      : { metadata: QUILT_RESOURCE_METADATA_PATH, endpoint: '/quilt/mcp' };
  const presentsOpsToken = opsTokenCheck(config.ROUTER_OPS_TOKEN);
  // Sent on every answer when the router itself serves HTTPS (a proxy in front that terminates TLS sends its own).
  const hsts =
    config.ROUTER_TLS_CERT_FILE !== undefined && config.ROUTER_HSTS_MAX_AGE_SECONDS > 0
      ? `max-age=${config.ROUTER_HSTS_MAX_AGE_SECONDS}${config.ROUTER_HSTS_INCLUDE_SUBDOMAINS ? '; includeSubDomains' : ''}`
      : undefined;
  const baseUrl = (req: IncomingMessage) => publicBaseUrl(req, config.ROUTER_PUBLIC_URL, hosts, proxies);

  /**
   * What of `/health` and `/metrics` (the router's and the servers' through it) a request may see: nothing for a
   * `Host` the router does not answer to (DNS rebinding), everything from loopback or with the operations token,
   * and otherwise the status only.
   */
  function opsAccess(req: IncomingMessage): OpsAccess {
    if (!hosts.reachable(req.headers.host)) return 'refused';
    return isLoopbackAddress(proxies.clientAddress(req)) || presentsOpsToken(req) ? 'full' : 'status';
  }
  const concurrency = new ConcurrencyLimit(config.ROUTER_MAX_CONCURRENT_PER_SERVICE);
  const originPolicy = { allowed: config.ROUTER_ALLOWED_ORIGINS, allowLocalhost: config.ROUTER_ALLOW_LOCALHOST_ORIGINS };
  const oauthConfigured = config.QUILT_AUTHORIZATION_SERVERS.length > 0;
  const readOnlyTools = new ReadOnlyTools(upstreams, config.ROUTER_HEALTH_TIMEOUT_MS);
  const frontPage = createFrontPage({
    upstreams,
    healthTimeoutMs: config.ROUTER_HEALTH_TIMEOUT_MS,
    registry: metrics.registry,
    access: opsAccess,
    baseUrl,
    // The router serves the merged `/mcp` endpoint (issue 17): the page shows it and its configs.
    mergedMcp: true,
  });

  /** Names the first call in a body that must not run twice: a `tools/call` of a tool not known to only read. */
  function sendsOnce(upstream: Upstream, summary: JsonRpcSummary | undefined): string | undefined {
    const write = summary?.toolCalls.find((name) => !readOnlyTools.isReadOnly(upstream, name));
    return write === undefined ? undefined : `the tools/call of ${JSON.stringify(write.slice(0, 128))}`;
  }

  const ignoreBenchlingKeys = benchlingIgnoresCallerKeys(config);
  const proxy = createProxy(logger, {
    upstreamTimeoutMs: config.ROUTER_UPSTREAM_TIMEOUT_MS,
    retryAfterSeconds: config.ROUTER_RETRY_AFTER_SECONDS,
    maxBodyBytes: config.ROUTER_MAX_BODY_BYTES,
    bodyTimeoutMs: config.ROUTER_BODY_TIMEOUT_MS,
    credentials: { forwardBearerToBenchling: forwardsBearerToBenchling(config) },
    trustedProxies: proxies,
    upstreamErrors: routerMetrics.upstreamErrors,
    onResponseHeaders: (routed, req, proxyRes) => {
      limits.answered(routed, proxyRes.statusCode ?? 502);
      const challenge = proxyRes.headers['www-authenticate'];
      if (oauthConfigured && routed.upstream.service === 'quilt-mcp' && proxyRes.statusCode === 401 && typeof challenge === 'string') {
        proxyRes.headers['www-authenticate'] = withResourceMetadata(challenge, `${baseUrl(req)}${quiltPaths(req).metadata}`);
      }
    },
  });

  const mergedMcp = createMergedMcp({
    upstreams,
    credentials: { forwardBearerToBenchling: forwardsBearerToBenchling(config) },
    ignoreBenchlingKeys,
    timeoutMs: config.ROUTER_UPSTREAM_TIMEOUT_MS,
    listTimeoutMs: config.ROUTER_HEALTH_TIMEOUT_MS,
    maxBodyBytes: config.ROUTER_MAX_BODY_BYTES,
    logger,
    upstreamErrors: routerMetrics.upstreamErrors,
    userOperations: metrics.userOperations,
    challenge: (req, challenge) => (oauthConfigured ? withResourceMetadata(challenge, `${baseUrl(req)}${QUILT_RESOURCE_METADATA_PATH}`) : challenge),
    answered: (routed, status) => limits.answered(routed, status),
  });

  /**
   * The first thing done for a request (the frame's `beforeRequest`): which upstream it is for and whom it counts
   * against, worked out once and carried with it, and the rate limit, ahead of everything else the bundle does
   * for it (see RateLimitPolicy). Preflights and refused origins are left to the origin policy in `handler`, and
   * are not limited.
   */
  function beforeRequest(req: IncomingMessage, res: ServerResponse): RouterState {
    if (hsts) res.setHeader('strict-transport-security', hsts);
    // `/mcp` on the router's own hosts (a service's own host sends it to that service; an unknown host, nowhere).
    const routed =
      routeRequest(routes, proxies, req, { ignoreBenchlingKeys }) ?? (routes.unknown(req.headers.host) ? undefined : mergedMcp.route(req, proxies));
    if (!routed || req.method === 'OPTIONS') return routed;
    const origin = req.headers.origin;
    if (origin === undefined || originAllowed(origin, originPolicy)) limits.admit(req, res, routed);
    return routed;
  }

  async function handler(req: IncomingMessage, res: ServerResponse, ctx: RequestContext<RouterState>): Promise<void> {
    const url = req.url ?? '/';
    // The front page, for paths no upstream serves: like `/health`, no CORS headers and the same Host check.
    if (!ctx.state && (await frontPage.handle(req, res))) return;
    if (!applyOriginPolicy(req, res, originPolicy, 'ROUTER_ALLOWED_ORIGINS')) return;
    const quilt = oauthConfigured && req.method === 'GET' ? quiltPaths(req) : undefined;
    if (quilt && url.split('?')[0] === quilt.metadata) {
      sendJson(res, 200, quiltResourceMetadata(baseUrl(req), config.QUILT_AUTHORIZATION_SERVERS, quilt.endpoint));
      return;
    }
    const routed = ctx.state;
    if (!routed && routes.unknown(req.headers.host)) {
      sendJson(res, 404, { error: 'unknown_host', message: routes.unknownHostMessage(req.headers.host) });
      return;
    }
    if (!routed) {
      sendJson(res, 404, {
        error: 'not_found',
        message: `No service at ${url.split('?')[0]}; use /mcp, or ${upstreams.map((u) => `${u.prefix}/mcp`).join(' or ')}`,
      });
      return;
    }
    const { upstream } = routed;
    const service = upstream.service;
    // A server's own `/health` or `/metrics`: what the client may see of it is the router's to decide.
    let ops = false;
    if (req.method === 'GET') {
      const path = routed.path.split('?')[0]!;
      ops = path === '/health' || path === '/metrics';
      const access = ops ? opsAccessOf(req, opsAccess(req)) : 'full';
      if (access !== 'full') {
        await answerServerOps(res, upstream, path, access);
        return;
      }
    }
    // Before the body is read; the proxy checks again at each attempt.
    if (proxy.refuseIfDown(req, res, upstream)) {
      req.resume();
      return;
    }
    // The body first, under its own deadline, and only then a slot: a client that sends headers and stalls holds
    // no slot, so stalled connections cannot lock valid requests out of a service.
    const body = await proxy.readRequestBody(req, res);
    if (!body) return;
    // A client that names its trace only in the MCP request's `_meta` gets it honoured here, so the router's span and
    // the `traceparent` it forwards are in that trace (a `traceparent` header wins; see adoptTraceparent). The body is
    // parsed only for that or for a batch (needsParsing).
    const post = req.method === 'POST';
    const trace = post ? currentTrace() : undefined;
    const summary = post && needsParsing(body, trace?.origin === 'new') ? summarizeJsonRpc(body) : undefined;
    if (summary?.traceparent !== undefined) adoptTraceparent(trace, summary.traceparent);
    if (summary && !limits.admitBatch(req, res, routed, summary.messages)) return;
    const release = concurrency.tryAcquire(service);
    if (!release) {
      routerMetrics.overloaded.inc({ upstream: service });
      sendProxyError(req, res, 503, 'overloaded', `${service} has too many requests in flight; retry shortly`, {
        'retry-after': String(config.ROUTER_RETRY_AFTER_SECONDS),
      });
      return;
    }
    if (upstream === MERGED_MCP) {
      res.once('close', release);
      return mergedMcp.handle(req, res, routed, ctx.requestId, body);
    }
    if (post) readOnlyTools.ensureKnown(upstream);
    // What in the body must not run twice is only asked if a failure puts sending it again in question.
    const once = post ? () => sendsOnce(upstream, summary ?? summarizeJsonRpc(body)) : undefined;
    proxy.forward(req, res, { routed, requestId: ctx.requestId, body, once, release, ops });
  }

  /** A server's `/health` for those who may see its status only, and its `/metrics` for nobody else. */
  async function answerServerOps(res: ServerResponse, upstream: Upstream, path: string, access: OpsAccess): Promise<void> {
    if (access === 'refused' || path === '/metrics') {
      sendJson(res, 403, {
        error: 'forbidden',
        message: `${path} ${access === 'refused' ? 'is not served for this host' : 'is served on loopback or with the operations token only'}`,
      });
      return;
    }
    const result = (await probeUpstreams([upstream], config.ROUTER_HEALTH_TIMEOUT_MS))[upstream.service];
    const status = result?.status ?? 'down';
    sendJson(res, status === 'down' ? 503 : 200, { status });
  }

  const serviceHooks: RouterServiceHooks = {
    beforeRequest,
    routeOf: (req, routed) => (routed ? routed.upstream.service : defaultRoute(req)),
    opsAccess,
    handler,
    health: () => probeUpstreams(upstreams, config.ROUTER_HEALTH_TIMEOUT_MS, (upstream, body) => readOnlyTools.update(upstream, body)),
    metricsPage: bundleMetricsPage(metrics, upstreams, config.ROUTER_HEALTH_TIMEOUT_MS),
    onShutdown: () => {
      limits.close();
      proxy.close();
      frontPage.close();
      void mergedMcp.close();
    },
  };

  return {
    serviceHooks,
    trackConnections: (server: Server) => {
      server.on('connection', (socket) => {
        routerMetrics.openConnections.inc();
        socket.setNoDelay(true);
        socket.once('close', () => routerMetrics.openConnections.dec());
      });
    },
  };
}
