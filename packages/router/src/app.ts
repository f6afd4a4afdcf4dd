import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultRoute, sendJson, type Logger, type OpsAccess, type RequestContext, type ServiceMetrics } from '@labmcp/service-kit/service';
import { ConcurrencyLimit } from './concurrency.js';
import { probeUpstreams } from './health.js';
import { bundleMetrics, createRouterMetrics } from './metrics.js';
import { applyOriginPolicy, originAllowed, setCorsHeaders } from './origins.js';
import { createProxy } from './proxy.js';
import { sendProxyError } from './proxy-errors.js';
import { RateLimiter, rateLimitKey } from './rate-limit.js';
import { TrustedProxies } from './client-address.js';
import { VerifiedCredentials } from './verified-credentials.js';
import { ReadOnlyTools } from './read-only-tools.js';
import { RefusalLog } from './refusal-log.js';
import { summarizeJsonRpc, type JsonRpcSummary } from './jsonrpc.js';
import { QUILT_RESOURCE_METADATA_PATH, quiltResourceMetadata, withResourceMetadata } from './resource-metadata.js';
import { AllowedHosts, isLoopback, publicBaseUrl } from './hosts.js';
import { UpstreamAvailability } from './upstream-health.js';
import { matchUpstream, upstreamsFrom, type Upstream } from './upstreams.js';
import type { routerSettings } from './config.js';
import type { z } from 'zod';

type RouterConfig = z.infer<z.ZodObject<typeof routerSettings>>;

/** The router's request handling, separate from process wiring so tests can run it in-process. */
export function createRouterApp(config: RouterConfig, logger: Logger, metrics: ServiceMetrics) {
  const upstreams = upstreamsFrom(config);
  const routerMetrics = createRouterMetrics(metrics);
  const limiter = new RateLimiter(config.ROUTER_RATE_LIMIT_PER_MINUTE, config.ROUTER_RATE_LIMIT_BURST);
  const verified = new VerifiedCredentials({
    perMinute: config.ROUTER_UNVERIFIED_PER_MINUTE,
    burst: config.ROUTER_UNVERIFIED_BURST,
    totalPerMinute: config.ROUTER_UNVERIFIED_TOTAL_PER_MINUTE,
    totalBurst: config.ROUTER_UNVERIFIED_TOTAL_BURST,
  });
  const proxies = new TrustedProxies(config.ROUTER_TRUSTED_PROXIES);
  const hosts = new AllowedHosts(config.ROUTER_ALLOWED_HOSTS, config.ROUTER_PUBLIC_URL);
  const opsToken = config.ROUTER_OPS_TOKEN === undefined ? undefined : hash('sha256', config.ROUTER_OPS_TOKEN, 'buffer');
  const baseUrl = (req: IncomingMessage) => publicBaseUrl(req, config.ROUTER_PUBLIC_URL, hosts, proxies);

  /**
   * What of `/health` and `/metrics` (the router's and the servers' through it) a request may see: nothing for a
   * `Host` the router does not answer to (DNS rebinding), everything from loopback or with the operations token,
   * and otherwise the status only.
   */
  function opsAccess(req: IncomingMessage): OpsAccess {
    if (!hosts.reachable(req.headers.host)) return 'refused';
    if (isLoopback(proxies.clientAddress(req))) return 'full';
    const presented = /^\s*bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (opsToken && presented && timingSafeEqual(opsToken, hash('sha256', presented, 'buffer'))) return 'full';
    return 'status';
  }
  const concurrency = new ConcurrencyLimit(config.ROUTER_MAX_CONCURRENT_PER_SERVICE);
  const originPolicy = { allowed: config.ROUTER_ALLOWED_ORIGINS, allowLocalhost: config.ROUTER_ALLOW_LOCALHOST_ORIGINS };
  const oauthConfigured = config.QUILT_AUTHORIZATION_SERVERS.length > 0;
  const availability = new UpstreamAvailability(logger);
  const refusals = new RefusalLog(logger);
  const readOnlyTools = new ReadOnlyTools(upstreams, config.ROUTER_HEALTH_TIMEOUT_MS);

  /** Names the first call in a body that must not run twice: a `tools/call` of a tool not known to only read. */
  function sendsOnce(upstream: Upstream, summary: JsonRpcSummary | undefined): string | undefined {
    const write = summary?.toolCalls.find((name) => !readOnlyTools.isReadOnly(upstream, name));
    return write === undefined ? undefined : `the tools/call of ${JSON.stringify(write.slice(0, 128))}`;
  }

  const proxy = createProxy(logger, {
    upstreamTimeoutMs: config.ROUTER_UPSTREAM_TIMEOUT_MS,
    retryAfterSeconds: config.ROUTER_RETRY_AFTER_SECONDS,
    maxBodyBytes: config.ROUTER_MAX_BODY_BYTES,
    bodyTimeoutMs: config.ROUTER_BODY_TIMEOUT_MS,
    credentials: { forwardBearerToBenchling: config.BENCHLING_KEY_MODE !== 'user' },
    forwardedByTrustedProxy: (req) => proxies.forwardedBy(req),
    isDown: (upstream) => availability.isDown(upstream),
    onUpstreamError: (upstream, kind, code) => {
      routerMetrics.upstreamErrors.inc({ upstream: upstream.service, kind });
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') {
        if (!availability.isDown(upstream)) {
          availability.markDown(upstream);
          proxy.abandonWaiting(upstream);
        }
      }
    },
    onResponseHeaders: (upstream, req, proxyRes) => {
      const caller = rateLimitKey(req, upstream.service, '');
      if (caller.credential) verified.answered(caller.key, proxyRes.statusCode ?? 502);
      const challenge = proxyRes.headers['www-authenticate'];
      if (oauthConfigured && upstream.service === 'quilt-mcp' && proxyRes.statusCode === 401 && typeof challenge === 'string') {
        proxyRes.headers['www-authenticate'] = withResourceMetadata(challenge, `${baseUrl(req)}${QUILT_RESOURCE_METADATA_PATH}`);
      }
    },
  });

  /**
   * The rate limit, ahead of everything else the bundle does for a request (access line, request bookkeeping):
   * a flooding client is refused at the least cost, so what it takes from the box the other service shares stays
   * small. Refusals are counted in the metrics and summarized in the log (RefusalLog), one line per caller and
   * second. Preflights and refused origins are left to the origin policy in `handler`, and are not limited.
   */
  function refuseEarly(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method === 'OPTIONS') return false;
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, originPolicy)) return false;
    const match = matchUpstream(upstreams, req.url ?? '/');
    if (!match) return false;
    const service = match.upstream.service;
    const address = proxies.clientAddress(req);
    const caller = rateLimitKey(req, service, address);
    let decision = limiter.take(caller.key);
    let message = `Too many requests to ${service}`;
    if (decision.allowed && caller.credential) {
      decision = verified.take(caller.key, address) ?? decision;
      message = `Too many requests to ${service} with credentials it has not accepted`;
    }
    if (decision.allowed) return false;
    refuse(req, res, service, caller.key, `${message}; retry in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
    req.resume();
    return true;
  }

  function refuse(req: IncomingMessage, res: ServerResponse, service: string, caller: string, message: string, retryAfterSeconds: number): void {
    routerMetrics.rateLimited.inc({ upstream: service });
    refusals.refused(service, caller);
    const origin = req.headers.origin;
    if (origin !== undefined) setCorsHeaders(res, origin);
    sendProxyError(req, res, 429, 'rate_limited', message, { 'retry-after': String(retryAfterSeconds) });
  }

  /** A JSON-RPC batch costs one token per message: the first was taken in `refuseEarly`, here are the rest. */
  function refuseBatch(req: IncomingMessage, res: ServerResponse, service: string, messages: number): boolean {
    if (messages <= 1) return false;
    const caller = rateLimitKey(req, service, proxies.clientAddress(req));
    if (messages > limiter.capacity) {
      refuse(req, res, service, caller.key, `A batch of ${messages} messages costs ${messages} requests of the rate limit, more than its burst (${limiter.capacity}) allows; send smaller batches`, config.ROUTER_RETRY_AFTER_SECONDS);
      return true;
    }
    const decision = limiter.take(caller.key, messages - 1);
    if (decision.allowed) return false;
    refuse(req, res, service, caller.key, `Too many requests to ${service} (a batch of ${messages} messages counts as ${messages}); retry in ${decision.retryAfterSeconds} s`, decision.retryAfterSeconds);
    return true;
  }

  async function handler(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    const url = req.url ?? '/';
    if (!applyOriginPolicy(req, res, originPolicy)) return;
    if (oauthConfigured && req.method === 'GET' && url.split('?')[0] === QUILT_RESOURCE_METADATA_PATH) {
      sendJson(res, 200, quiltResourceMetadata(baseUrl(req), config.QUILT_AUTHORIZATION_SERVERS));
      return;
    }
    const match = matchUpstream(upstreams, url);
    if (!match) {
      sendJson(res, 404, { error: 'not_found', message: `No service at ${url.split('?')[0]}; use ${upstreams.map((u) => `${u.prefix}/mcp`).join(' or ')}` });
      return;
    }
    const service = match.upstream.service;
    if (req.method === 'GET' && (match.path.split('?')[0] === '/health' || match.path.split('?')[0] === '/metrics')) {
      const access = opsAccess(req);
      if (access !== 'full') {
        await answerServerOps(res, match.upstream, match.path.split('?')[0]!, access);
        return;
      }
    }
    // Before the body is read; the proxy checks again at each attempt.
    if (proxy.refuseIfDown(req, res, match.upstream)) {
      req.resume();
      return;
    }
    // The body first, under its own deadline, and only then a slot: a client that sends headers and stalls holds
    // no slot, so stalled connections cannot lock valid requests out of a service.
    const body = await proxy.readRequestBody(req, res);
    if (!body) return;
    const summary = req.method === 'POST' ? summarizeJsonRpc(body) : undefined;
    if (summary && refuseBatch(req, res, service, summary.messages)) return;
    const release = concurrency.tryAcquire(service);
    if (!release) {
      routerMetrics.overloaded.inc({ upstream: service });
      sendProxyError(req, res, 503, 'overloaded', `${service} has too many requests in flight; retry shortly`, { 'retry-after': String(config.ROUTER_RETRY_AFTER_SECONDS) });
      return;
    }
    res.once('close', release);
    proxy.forward(req, res, match.upstream, match.path, ctx.requestId, body, sendsOnce(match.upstream, summary));
  }

  /** A server's `/health` for those who may see its status only, and its `/metrics` for nobody else. */
  async function answerServerOps(res: ServerResponse, upstream: Upstream, path: string, access: OpsAccess): Promise<void> {
    if (access === 'refused' || path === '/metrics') {
      sendJson(res, 403, { error: 'forbidden', message: `${path} ${access === 'refused' ? 'is not served for this host' : 'is served on loopback or with the operations token only'}` });
      return;
    }
    const result = (await probeUpstreams([upstream], config.ROUTER_HEALTH_TIMEOUT_MS))[upstream.service];
    const status = result?.status ?? 'down';
    sendJson(res, status === 'down' ? 503 : 200, { status });
  }

  return {
    upstreams,
    refuseEarly,
    opsAccess,
    handler,
    routeOf: (req: IncomingMessage) => {
      const match = matchUpstream(upstreams, req.url ?? '/');
      return match ? match.upstream.service : defaultRoute(req);
    },
    health: () => probeUpstreams(upstreams, config.ROUTER_HEALTH_TIMEOUT_MS, (upstream, body) => readOnlyTools.update(upstream, body)),
    metricsText: () => bundleMetrics(metrics, upstreams, config.ROUTER_HEALTH_TIMEOUT_MS),
    trackConnections: (server: import('node:http').Server) => {
      server.on('connection', (socket) => {
        routerMetrics.openConnections.inc();
        socket.setNoDelay(true);
        socket.once('close', () => routerMetrics.openConnections.dec());
      });
    },
    close: () => {
      refusals.close();
      availability.close();
      proxy.close();
    },
  };
}
